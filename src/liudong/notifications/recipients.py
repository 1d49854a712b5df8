"""Who is notified: the staff of an organization, a member's account."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from liudong.core.roles import STAFF_ROLES


def staff_of(*organizations: Any) -> QuerySet:
    """The active staff accounts whose organization is one of these nodes (not the nodes
    below: a county's staff are not its stations' staff)."""
    ids = [getattr(org, "pk", org) for org in organizations if org is not None]
    return get_user_model().objects.filter(
        organization__in=ids, role__in=sorted(STAFF_ROLES), is_active=True
    )


def staff_at(path: str) -> QuerySet:
    """The active staff accounts of the organization at ``path`` (a station's side read as
    a path, as the check-in's hot path has it)."""
    return get_user_model().objects.filter(
        organization__path=path, role__in=sorted(STAFF_ROLES), is_active=True
    )
