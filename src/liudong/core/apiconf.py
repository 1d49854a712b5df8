"""DRF settings targets: pagination, errors as ``{code, message, field}``.

Kept apart from the viewsets so DRF can import them while it loads its own generics. The
JSON parser is in :mod:`liudong.core.parsers`: this module imports ``rest_framework.views``,
whose ``APIView`` reads the parser setting as it is defined.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from liudong.core.errors import DomainError


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def _first_error(detail: Any, field: str | None = None) -> tuple[str, str, str | None]:
    """Flatten DRF's nested error detail to its first (code, message, field)."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            # A list's item comes keyed by its index: the field is still the list's.
            name = (
                None if key in ("non_field_errors", "detail") or not isinstance(key, str) else key
            )
            return _first_error(value, field if name is None else name)
    if isinstance(detail, list) and detail:
        return _first_error(detail[0], field)
    code = getattr(detail, "code", "invalid") or "invalid"
    return str(code), str(detail), field


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found, or not within your organization's scope."))
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code, message, field = _first_error(response.data)
    body: dict[str, Any] = {"code": code, "message": message, "field": field}
    if isinstance(response.data, dict) and len(response.data) > 1 and field:
        body["errors"] = response.data
    response.data = body
    return response
