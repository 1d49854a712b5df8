"""Helpers the ledger's action modules share: permission checks, dates, the lifecycle's states."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.scope import SYSTEM, can_see, may, scope_of
from liudong.members.models import (
    FlowRecord,
    FlowStatus,
)
from liudong.orgs.models import Organization

# registered → managed → returned | transferred | lost → found again (managed) | suspended
TRANSITIONS: dict[str, set[str]] = {
    FlowStatus.REGISTERED: {
        FlowStatus.MANAGED,
        FlowStatus.RETURNED,
        FlowStatus.TRANSFERRED,
        FlowStatus.LOST,
    },
    FlowStatus.MANAGED: {FlowStatus.RETURNED, FlowStatus.TRANSFERRED, FlowStatus.LOST},
    FlowStatus.LOST: {
        FlowStatus.MANAGED,
        FlowStatus.REGISTERED,
        FlowStatus.RETURNED,
        FlowStatus.SUSPENDED,
    },
    FlowStatus.RETURNED: set(),
    FlowStatus.TRANSFERRED: set(),
    FlowStatus.SUSPENDED: set(),
}


CLOSED = {FlowStatus.RETURNED, FlowStatus.TRANSFERRED, FlowStatus.SUSPENDED}


# --- checks -----------------------------------------------------------------------------


def _require_staff(by: Any) -> None:
    """A user of a staff role, or the system (``liudong.core.scope.SYSTEM``: jobs, imports,
    a step taken on behalf of someone already checked), which the gate allows everything."""
    if by is None:
        raise TypeError("name the actor: a user, or liudong.core.scope.SYSTEM")
    if by is SYSTEM:
        return
    if not (by.is_superuser or by.is_staff_role):
        raise PermissionDenied("forbidden", _("Your role may not change the ledger."))


def _not_found() -> ScopeError:
    return ScopeError("not_found", _("Not found, or not within your organization's scope."))


def _not_keeping_side() -> PermissionDenied:
    return PermissionDenied(
        "not_keeping_side",
        _(
            "Only the member's home organization can do this; the station side may log "
            "contacts, take the member in and hand work over."
        ),
    )


def _require_visible(by: Any, obj: Any) -> None:
    if not can_see(by, obj):
        raise _not_found()


def _require_may(by: Any, obj: Any, act: str) -> None:
    """The gate's answer for a change or a named act: out of sight looks like not found;
    seen but not theirs to change (the station side and a member's master data) is 403."""
    _require_visible(by, obj)
    if not may(by, obj, act):
        raise _not_keeping_side()


def _open_record_for(by: Any, flow: FlowRecord, act: str) -> FlowRecord:
    """The record locked for a named act on an open stay (a contact, a hand-off): staff only,
    the gate's answer for the act, refused once the record is closed. Inside a transaction."""
    _require_staff(by)
    _require_may(by, flow, act)
    flow = FlowRecord.objects.select_for_update().get(pk=flow.pk)
    if not flow.is_open:
        raise DomainError("record_closed", _("This record is closed."), "flow")
    return flow


def _require_org_in_scope(by: Any, org: Organization | None, field: str) -> None:
    if org is not None and not scope_of(by).covers_path(org.path):
        raise ScopeError(
            "organization_out_of_scope", _("That organization is not within your scope."), field
        )


def _today() -> datetime.date:
    return timezone.localdate()


def _check_date(
    value: datetime.date | None,
    field: str,
    *,
    not_before: datetime.date | None = None,
    allow_future: bool = False,
    today: datetime.date | None = None,
) -> None:
    if value is None:
        return
    if not allow_future and value > (today or _today()):
        raise DomainError("date_in_future", _("This date lies in the future."), field)
    if not_before is not None and value < not_before:
        raise DomainError(
            "date_too_early",
            _("This date lies before %(date)s.") % {"date": not_before.isoformat()},
            field,
        )
