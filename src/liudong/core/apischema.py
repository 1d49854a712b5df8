"""The OpenAPI schema says what the API really answers (decision 170).

Refusals: every error has one shape, ``{code, message, field}`` (:mod:`liudong.core.apiconf`),
and any operation may answer 400 (bad input, a rule refused it), 401 (not signed in), 403
(not allowed) or 404 (not found, or outside the caller's scope). drf-spectacular documents
only the success answer; :func:`add_error_responses` adds the refusals to every operation.

Empty values: DRF drops ``allow_blank`` from a model serializer's read-only fields, and a
read-only field that reads through a foreign key left empty (``source="branch.code"``, a
slug of a null foreign key) answers null. :class:`AutoSchema` documents both from the
model: "" for a blank field (an e-mail address, a link, a choice), null where a null column
or an empty foreign key lies on the way. The schema fuzzing in CI (tests/fuzz) holds every
answer to the schema.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular import openapi


def _model_facts(field: Any) -> tuple[bool, bool] | None:
    """(may be null, may be blank) of the model attribute a read-only field shows, or None
    when the field does not show a model attribute."""
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    attrs = getattr(field, "source_attrs", None)
    if model is None or not attrs or field.source == "*":
        return None
    nullable = False
    model_field: Any = None
    for position, name in enumerate(attrs):
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if model_field.one_to_many or model_field.many_to_many:
            return None  # a list of rows: never null, never ""
        nullable = nullable or bool(getattr(model_field, "null", False))
        if position < len(attrs) - 1:
            if not model_field.is_relation:
                return None
            model = model_field.related_model
    # Only text columns hold "" (a date left blank is null).
    text = isinstance(model_field, models.CharField | models.TextField)
    return nullable, text and bool(model_field.blank)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with the null and "" a read-only field really answers."""

    def _map_serializer_field(
        self, field: Any, direction: str, bypass_extensions: bool = False
    ) -> Any:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        facts = _model_facts(field) if getattr(field, "read_only", False) else None
        if not facts or not isinstance(schema, dict):
            return schema
        nullable, blank = facts
        if "enum" in schema:  # the enum hook turns "" and None into BlankEnum and NullEnum
            extra = ([""] if blank else []) + ([None] if nullable else [])
            schema["enum"] = [*schema["enum"], *(v for v in extra if v not in schema["enum"])]
            return schema
        if blank and schema.get("type") == "string" and ("format" in schema or "pattern" in schema):
            outer = {"readOnly", "nullable", "description", "title", "deprecated"}
            inner = {key: schema.pop(key) for key in list(schema) if key not in outer}
            schema["oneOf"] = [inner, {"type": "string", "maxLength": 0}]
        if nullable:
            schema["nullable"] = True
        return schema


ERROR_COMPONENT = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every refusal of the API: a stable code, a message for people, the field.",
    "properties": {
        "code": {"type": "string", "description": "Stable: program against it."},
        "message": {"type": "string", "description": "In the language of the request."},
        "field": {
            "type": "string",
            "nullable": True,
            "description": "The input concerned, or null.",
        },
        "errors": {
            "type": "object",
            "additionalProperties": True,
            "description": "Every field's problems, when more than one field was refused.",
        },
    },
    "required": ["code", "message", "field"],
}
REFUSALS = {
    "400": "Bad input, or a rule refused the request.",
    "401": "Not signed in (no session, or the token is unknown or expired).",
    "403": "Signed in, but not allowed to do this.",
    "404": "Not found, or not within your organization's scope (the same answer).",
}
METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")


def add_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the error component and the refusals."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in REFUSALS.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result
