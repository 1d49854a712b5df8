"""Lookups other apps use: choices, labels, label-to-code for the import, validation."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.utils import translation

from liudong.codes import actions, queries
from liudong.codes.models import Code
from liudong.core.errors import DomainError

pytestmark = pytest.mark.django_db


def test_choices_are_in_order_with_labels_in_the_active_language() -> None:
    with translation.override("zh-hans"):
        assert queries.choices("sex") == [
            ("0", "未知的性别"),
            ("1", "男"),
            ("2", "女"),
            ("9", "未说明的性别"),
        ]
    with translation.override("en"):
        assert queries.choices("sex")[1] == ("1", "Male")
        assert queries.label("ethnicity", "04") == "Zang"
    with translation.override("zh-hans"):
        assert queries.label("ethnicity", "04") == "藏族"


def test_inactive_codes_leave_choices_but_keep_their_label(city_admin: Any) -> None:
    other = Code.objects.get(table__key="flow_reason", code="other")
    assert ("other", "其他") in queries.choices("flow_reason")
    actions.deactivate_code(by=city_admin, code_obj=other)
    with translation.override("zh-hans"):
        assert "other" not in dict(queries.choices("flow_reason"))
        assert "other" in dict(queries.choices("flow_reason", include_inactive=True))
        assert queries.label("flow_reason", "other") == "其他"


def test_a_new_code_appears_in_choices_at_once(city_admin: Any) -> None:
    assert "medical" not in dict(queries.choices("flow_reason"))  # now in memory
    actions.create_code(by=city_admin, table="flow_reason", code="medical", name="就医")
    assert "medical" in dict(queries.choices("flow_reason"))


def test_a_rolled_back_code_does_not_linger_in_memory(city_admin: Any) -> None:
    queries.choices("flow_reason")
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.create_code(by=city_admin, table="flow_reason", code="ghost", name="幽灵")
        assert "ghost" in dict(queries.choices("flow_reason"))
        raise RuntimeError
    assert "ghost" not in dict(queries.choices("flow_reason"))


def test_label_of_an_unknown_code_is_the_code_itself() -> None:
    assert queries.label("sex", "7") == "7"
    assert queries.label("sex", None) == ""


def test_an_unknown_table_is_a_programming_error() -> None:
    with pytest.raises(queries.UnknownTable):
        queries.choices("no_such_table")


@pytest.mark.parametrize(
    "text", ["01", "汉族", "汉", "Han", "han", " HAN ", "０１", "汉　族", "1", 1]
)
def test_code_for_label_finds_han(text: Any) -> None:
    assert queries.code_for_label("ethnicity", text) == "01"


@pytest.mark.parametrize(
    ("table", "text", "expected"),
    [
        ("ethnicity", "土族", "30"),
        ("ethnicity", "土家族", "15"),
        ("ethnicity", "土", "30"),
        ("ethnicity", "Tibetan", "04"),
        ("ethnicity", "维吾尔", "05"),
        ("sex", "男", "1"),
        ("sex", "女性", "2"),
        ("sex", "Female", "2"),
        ("education", "大专", "31"),
        ("education", "大学本科", "21"),
        ("education", "研究生（硕士）", "14"),
        ("education", "研究生(博士)", "11"),
        ("flow_reason", "务工经商", "work"),
        ("flow_reason", "WORK", "work"),
        ("flow_reason", "随迁/投亲", "family"),
        ("host_site_kind", "社区/园区党群服务中心", "service_centre"),
        ("service_kind", "法律援助", "legal_aid"),
        ("activity_kind", "三会一课", "branch_meetings"),
    ],
)
def test_code_for_label_understands_names_and_common_spellings(
    table: str, text: str, expected: str
) -> None:
    assert queries.code_for_label(table, text) == expected


@pytest.mark.parametrize("text", ["", None, "   ", "火星族", "100", "Martian"])
def test_code_for_label_returns_none_when_nothing_matches(text: Any) -> None:
    assert queries.code_for_label("ethnicity", text) is None


def test_code_for_label_finds_codes_an_administrator_added(city_admin: Any) -> None:
    actions.create_code(
        by=city_admin, table="flow_reason", code="medical", name="就医", name_en="Medical care"
    )
    assert queries.code_for_label("flow_reason", "ＭＥＤＩＣＡＬ ＣＡＲＥ") == "medical"


def test_validate_accepts_codes_in_use_and_names_the_table_when_refusing(
    city_admin: Any,
) -> None:
    assert queries.validate("sex", "2") == "2"
    with translation.override("en"), pytest.raises(DomainError) as caught:
        queries.validate("sex", "5", field="sex")
    assert (caught.value.code, caught.value.field) == ("code_unknown", "sex")
    assert "Sex" in caught.value.message and "5" in caught.value.message
    actions.deactivate_code(
        by=city_admin, code_obj=Code.objects.get(table__key="flow_reason", code="other")
    )
    with pytest.raises(DomainError):
        queries.validate("flow_reason", "other")
    assert queries.validate("flow_reason", "other", allow_inactive=True) == "other"


def test_lookups_are_served_from_memory(django_assert_num_queries: Any) -> None:
    queries.choices("ethnicity")
    with django_assert_num_queries(0):
        queries.choices("ethnicity")
        queries.label("ethnicity", "03")
        queries.code_for_label("ethnicity", "回族")


def test_a_change_made_by_another_process_is_seen(
    monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any
) -> None:
    from django.core.cache import cache

    monkeypatch.setattr(queries, "RECHECK_SECONDS", 0.0)
    queries.choices("sex")
    with django_assert_num_queries(0):
        queries.choices("sex")
    cache.set(queries.GENERATION_KEY, "written-by-another-process")
    with django_assert_num_queries(2):  # the table, then its codes, read afresh
        queries.choices("sex")
