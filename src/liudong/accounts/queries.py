"""Reads of user accounts, through the scope gate."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from liudong.accounts.models import User
from liudong.core.scope import visible_to


def users_for(viewer: Any) -> QuerySet[User]:
    return visible_to(viewer, User.objects.select_related("organization"))


def search(viewer: Any, *, q: str = "", role: str = "", active: str = "") -> QuerySet[User]:
    users = users_for(viewer)
    if q:
        users = users.filter(
            Q(username__icontains=q)
            | Q(display_name__icontains=q)
            | Q(organization__name__icontains=q)
        )
    if role:
        users = users.filter(role=role)
    if active in ("1", "0"):
        users = users.filter(is_active=active == "1")
    return users.order_by("organization__path", "role", "username")
