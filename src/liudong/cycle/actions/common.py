"""What every cycle action asks first: who acts, and the member's open stay."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.scope import can_see, require_actor, sees_all
from liudong.members.models import FlowRecord, Member


def not_found() -> ScopeError:
    return ScopeError("not_found", _("Not found, or not within your organization's scope."))


def open_flow(by: Any, member: Member) -> FlowRecord:
    """The member's open stay, for an actor who may see the member (else not found)."""
    require_actor(by)
    if not can_see(by, member):
        raise not_found()
    flow = (
        FlowRecord.objects.select_related(
            "home_organization", "inflow_organization", "residence_organization"
        )
        .filter(member=member, is_open=True)
        .first()
    )
    if flow is None:
        raise DomainError(
            "no_open_stay", _("This member has no open stay away in the ledger."), "member"
        )
    return flow


def require_city(by: Any) -> None:
    require_actor(by)
    if not sees_all(by):
        raise PermissionDenied("city_only", _("Only the city's organization department sets this."))


def text(value: Any, field: str, limit: int) -> str:
    found = (value or "").strip()
    if len(found) > limit:
        raise DomainError(
            f"{field}_too_long",
            _("At most %(limit)s characters, please.") % {"limit": limit},
            field,
        )
    return found
