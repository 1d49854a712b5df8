"""What every request action asks first: who acts, on which side, in which state."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from liudong.assistance.models import ServiceRequest
from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.scope import CHANGE, can_see, may, require_actor


def locked(request: ServiceRequest) -> ServiceRequest:
    return (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("station__branch", "station__organization", "flow", "member")
        .get(pk=request.pk)
    )


def not_found() -> ScopeError:
    return ScopeError("not_found", _("Not found, or not within your organization's scope."))


def require_station_side(by: Any, request: ServiceRequest) -> None:
    """The actor works for the request's station (its branch or the organization running
    it), or is the system."""
    require_actor(by)
    if not can_see(by, request):
        raise not_found()
    if not may(by, request, CHANGE):
        raise PermissionDenied(
            "not_station_side", _("Only the staff of the request's station can do this.")
        )


def require_member(by: Any, request: ServiceRequest) -> None:
    """The actor is the member who made the request."""
    require_actor(by)
    if getattr(by, "pk", None) is None or request.member.user_id != by.pk:
        if can_see(by, request):
            raise PermissionDenied("not_the_member", _("Only the member who asked can do this."))
        raise not_found()


def require_status(request: ServiceRequest, *allowed: str) -> None:
    if request.status not in allowed:
        raise DomainError(
            "wrong_status",
            _("This request cannot do that now (it is: %(status)s).")
            % {"status": request.get_status_display()},
            "status",
        )


def required_text(value: str | None, field: str, message: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(f"{field}_required", message, field)
    if len(text) > limit:
        raise DomainError(
            f"{field}_too_long",
            _("At most %(limit)s characters, please.") % {"limit": limit},
            field,
        )
    return text
