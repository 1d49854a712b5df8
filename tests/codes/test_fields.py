"""CodeChoiceField and CodeField: other apps' forms and serializers use them."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.utils import translation
from rest_framework import serializers

from liudong.codes import actions, queries
from liudong.codes.forms import CodeChoiceField
from liudong.codes.models import Code
from liudong.codes.serializers import CodeField

pytestmark = pytest.mark.django_db


class PersonForm(forms.Form):
    sex = CodeChoiceField("sex")
    flow_reason = CodeChoiceField("flow_reason", required=False)


class PersonSerializer(serializers.Serializer):
    ethnicity = CodeField("ethnicity")
    flow_reason = CodeField("flow_reason", required=False)


class Holder:
    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


def test_form_field_offers_the_codes_in_use() -> None:
    with translation.override("zh-hans"):
        form = PersonForm()
        html = str(form["sex"])
    assert '<option value="1">男</option>' in html
    assert 'class="form-select"' in html
    assert PersonForm({"sex": "2"}).is_valid()
    assert not PersonForm({"sex": "5"}).is_valid()
    assert not PersonForm({}).is_valid()


def test_form_field_sees_new_codes_without_a_restart(city_admin: Any) -> None:
    form_class_built_before = PersonForm
    assert not form_class_built_before({"sex": "1", "flow_reason": "medical"}).is_valid()
    actions.create_code(by=city_admin, table="flow_reason", code="medical", name="就医")
    form = form_class_built_before({"sex": "1", "flow_reason": "medical"})
    assert form.is_valid(), form.errors
    assert "就医" in str(form["flow_reason"])


def test_form_field_keeps_an_inactive_code_a_record_holds(city_admin: Any) -> None:
    other = Code.objects.get(table__key="flow_reason", code="other")
    actions.deactivate_code(by=city_admin, code_obj=other)
    assert not PersonForm({"sex": "1", "flow_reason": "other"}).is_valid()
    form = PersonForm({"sex": "1", "flow_reason": "other"})
    form.fields["flow_reason"].keep("other")
    assert form.is_valid(), form.errors
    assert not PersonForm.base_fields["flow_reason"].kept  # other forms are not affected


def test_api_field_accepts_a_code_or_a_label_and_returns_the_code() -> None:
    for value in ("01", "汉族", "Han", "０１"):
        serializer = PersonSerializer(data={"ethnicity": value})
        assert serializer.is_valid(), serializer.errors
        assert serializer.validated_data["ethnicity"] == "01"
    assert PersonSerializer(Holder(ethnicity="04", flow_reason="work")).data == {
        "ethnicity": "04",
        "flow_reason": "work",
    }


def test_api_field_refuses_unknown_and_inactive_codes(city_admin: Any) -> None:
    serializer = PersonSerializer(data={"ethnicity": "火星族"})
    assert not serializer.is_valid()
    assert serializer.errors["ethnicity"][0].code == "code_unknown"
    actions.deactivate_code(
        by=city_admin, code_obj=Code.objects.get(table__key="flow_reason", code="other")
    )
    assert not PersonSerializer(data={"ethnicity": "01", "flow_reason": "other"}).is_valid()
    holding = Holder(ethnicity="01", flow_reason="other")
    unchanged = PersonSerializer(holding, data={"ethnicity": "01", "flow_reason": "其他"})
    assert unchanged.is_valid(), unchanged.errors


def test_schema_lists_the_codes() -> None:
    from drf_spectacular.generators import SchemaGenerator

    queries.clear_cache()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    codes_path = schema["paths"]["/api/v1/codes/"]
    assert "get" in codes_path and "post" in codes_path
    assert "/api/v1/code-tables/{key}/" in schema["paths"]


def test_code_field_schema_carries_an_enum() -> None:
    from drf_spectacular.openapi import AutoSchema

    from liudong.codes.serializers import CodeFieldExtension

    extension = CodeFieldExtension(CodeField("sex"))
    schema = extension.map_serializer_field(AutoSchema(), "response")
    assert schema["enum"] == ["0", "1", "2", "9"]
    assert "example" in extension.map_serializer_field(AutoSchema(), "request")
