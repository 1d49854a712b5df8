"""Filters shared by every list: ``?org=<code>`` means that organization and its subtree."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet, Subquery
from django.utils.translation import gettext as _
from rest_framework.filters import BaseFilterBackend

from liudong.core.errors import ScopeError
from liudong.core.scope import rule_for, visible_to
from liudong.orgs.models import Organization


def organization_for_code(user: Any, code: str) -> Any:
    """A visible organization by code; unknown and out-of-scope look the same (no leak)."""
    org = visible_to(user, Organization.objects.all()).filter(code=code.strip()).first()
    if org is None:
        raise ScopeError(
            "org_not_found",
            _("No organization with this code within your scope."),
            "org",
        )
    return org


def subtree_ids_for_code(user: Any, code: str) -> list[Any]:
    """The ids of a visible organization (by code) and everything under it, in one query;
    unknown and out-of-scope raise the same ScopeError as :func:`organization_for_code`."""
    top = visible_to(user, Organization.objects.filter(code=code.strip())).values("path")[:1]
    ids = list(
        Organization.objects.filter(path__startswith=Subquery(top)).values_list("pk", flat=True)
    )
    if not ids:
        raise ScopeError(
            "org_not_found",
            _("No organization with this code within your scope."),
            "org",
        )
    return ids


def filter_by_org(user: Any, queryset: QuerySet, code: str) -> QuerySet:
    rule = rule_for(queryset.model)
    if not rule.paths:
        return queryset
    org = organization_for_code(user, code)
    condition = Q(pk__in=[])
    for lookup in rule.paths:
        condition |= Q(**{f"{lookup}__startswith": org.path})
    return queryset.filter(condition)


class OrgSubtreeFilterBackend(BaseFilterBackend):
    """DRF: ``?org=620821`` keeps rows of that organization and everything under it."""

    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        code = request.query_params.get("org")
        if not code:
            return queryset
        return filter_by_org(request.user, queryset, code)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "org",
                "required": False,
                "in": "query",
                "description": "Organization code: rows of that organization and its subtree.",
                "schema": {"type": "string"},
            }
        ]
