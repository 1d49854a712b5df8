"""Reads of the organization tree, always through the scope gate."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from liudong.core.scope import visible_to
from liudong.orgs.models import Organization


def organizations_for(user: Any) -> QuerySet[Organization]:
    return visible_to(user, Organization.objects.select_related("place", "parent"))


def search(user: Any, *, q: str = "", kind: str = "", active: str = "") -> QuerySet[Organization]:
    orgs = organizations_for(user)
    if q:
        orgs = orgs.filter(
            Q(name__icontains=q) | Q(code__startswith=q) | Q(short_name__icontains=q)
        )
    if kind:
        orgs = orgs.filter(kind=kind)
    if active in ("1", "0"):
        orgs = orgs.filter(active=active == "1")
    return orgs


def tree_for(user: Any) -> list[dict[str, Any]]:
    """The visible organizations nested by path (visible roots first)."""
    orgs = list(
        organizations_for(user)
        .annotate(user_count=Count("users"))
        .order_by("depth", "sort_order", "code")
    )
    nodes = {org.pk: {"org": org, "children": []} for org in orgs}
    roots = []
    for org in orgs:
        parent = nodes.get(org.parent_id)
        (parent["children"] if parent else roots).append(nodes[org.pk])
    return roots
