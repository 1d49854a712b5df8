"""Revealing personal data: allowed by role and scope, and recorded as its own audit action."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import PermissionDenied, ScopeError
from liudong.core.scope import can_see


def may_reveal(user: Any, obj: Model) -> bool:
    return bool(getattr(user, "can", None) and user.can("pii.reveal") and can_see(user, obj))


def reveal(user: Any, obj: Model, field: str, *, reason: str = "") -> str:
    """The plaintext of ``obj.field`` for ``user``; every reveal leaves an audit row."""
    if not can_see(user, obj):
        raise ScopeError("not_found", _("Not found, or not within your organization's scope."))
    if not (getattr(user, "can", None) and user.can("pii.reveal")):
        with audit.action(f"reveal.{field}", actor=user, reason=reason):
            audit.record("denied", obj, result="denied", detail=field)
        raise PermissionDenied("reveal_forbidden", _("Your role may not see this in full."))
    with audit.action(f"reveal.{field}", actor=user, reason=reason):
        audit.record("reveal", obj, detail=field)
    return getattr(obj, field)
