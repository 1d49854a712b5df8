"""API fields and serializers for code tables: ``CodeField`` for other apps' serializers."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from liudong.codes import queries
from liudong.codes.models import Code, CodeTable


class CodeField(serializers.Field):
    """A coded value: accepts the code or its Chinese or English name, returns the code.

    A code taken out of use is refused for new values but accepted when the record being
    updated already holds it, so clients can send a record back unchanged.
    """

    default_error_messages = {
        "unknown": _("“%(value)s” is not a code in the table “%(table)s”."),
    }

    def __init__(self, table_key: str, **kwargs: Any) -> None:
        self.table_key = table_key
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, bool) or not isinstance(data, str | int):
            self._fail_unknown(data)
        code = queries.code_for_label(self.table_key, data)
        if code is None:
            self._fail_unknown(data)
        if queries.is_active(self.table_key, code) or code == self._current_value():
            return code
        self._fail_unknown(data)
        raise AssertionError  # unreachable: _fail_unknown raises

    def to_representation(self, value: Any) -> str:
        return str(value)

    def _current_value(self) -> str | None:
        instance = getattr(self.parent, "instance", None)
        if instance is None or isinstance(instance, list | tuple) or not self.source:
            return None
        value = getattr(instance, self.source, None)
        return None if value is None else str(value)

    def _fail_unknown(self, data: Any) -> None:
        table = queries.table(self.table_key)
        raise serializers.ValidationError(
            self.error_messages["unknown"] % {"value": data, "table": table.label},
            code="code_unknown",
        )


class CodeFieldExtension(OpenApiSerializerFieldExtension):
    """Lists the table's codes as an enum in the OpenAPI schema (as of schema generation)."""

    target_class = CodeField

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        key = self.target.table_key
        schema: dict[str, Any] = {
            "type": "string",
            "description": f"A code of the code table `{key}` "
            f"(GET /api/v1/code-tables/{key}/); writes also accept its Chinese or English name.",
        }
        try:
            codes = [code for code, _label in queries.choices(key, include_inactive=True)]
        except (queries.UnknownTable, DatabaseError):
            return schema  # schema generated without a seeded database
        if direction == "response":
            schema["enum"] = codes
        else:
            schema["example"] = codes[0]
        return schema


class CodeSerializer(serializers.ModelSerializer):
    table = serializers.SlugRelatedField(slug_field="key", queryset=CodeTable.objects.all())
    label = serializers.CharField(read_only=True)
    # Plain fields: the actions check format, duplicates and built-in values and answer
    # with their own error codes.
    code = serializers.CharField()
    name = serializers.CharField(max_length=60)
    name_en = serializers.CharField(max_length=80, required=False, allow_blank=True)
    sort_order = serializers.IntegerField(min_value=0, required=False, allow_null=True)

    class Meta:
        model = Code
        fields = [
            "id",
            "table",
            "code",
            "name",
            "name_en",
            "label",
            "sort_order",
            "active",
            "builtin",
        ]
        read_only_fields = ["id", "builtin"]
        validators: list = []


class CodeTableSerializer(serializers.ModelSerializer):
    key = serializers.CharField()
    label = serializers.CharField(read_only=True)
    code_count = serializers.IntegerField(read_only=True)
    active_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = CodeTable
        fields = [
            "key",
            "name",
            "name_en",
            "label",
            "standard",
            "extensible",
            "code_count",
            "active_count",
        ]
        read_only_fields = ["code_count", "active_count"]
        extra_kwargs = {"name_en": {"required": False}, "standard": {"required": False}}
        validators: list = []


class NestedCodeSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = Code
        fields = ["id", "code", "name", "name_en", "label", "sort_order", "active", "builtin"]
        read_only_fields = fields


class CodeTableDetailSerializer(CodeTableSerializer):
    codes = NestedCodeSerializer(many=True, read_only=True)

    class Meta(CodeTableSerializer.Meta):
        fields = [*CodeTableSerializer.Meta.fields, "codes"]
