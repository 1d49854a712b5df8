"""A flow record's life: check-in, return, transfer, lost and found, suspension."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import DomainError
from liudong.core.scope import CHANGE
from liudong.members.actions._common import (
    CLOSED,
    TRANSITIONS,
    _check_date,
    _require_may,
    _require_staff,
    _today,
)
from liudong.members.actions.flows import _sync_member_inflow
from liudong.members.models import (
    FlowRecord,
    FlowStatus,
)
from liudong.orgs.models import Organization


def _transition(
    by: Any,
    flow: FlowRecord,
    to: str,
    *,
    on: datetime.date | None,
    reason: str,
    verb: str,
    require_reason: bool = False,
    changes: dict[str, Any] | None = None,
    act: str | None = CHANGE,
) -> FlowRecord:
    """One step of a stay's life. ``act``: what the gate must allow; None when the caller
    has checked the actor already (a transfer accepted by the receiving organization)."""
    _require_staff(by)
    if act is not None:
        _require_may(by, flow, act)
    flow = FlowRecord.objects.select_for_update().get(pk=flow.pk)
    if to not in TRANSITIONS.get(flow.status, set()):
        raise DomainError(
            "transition_not_allowed",
            _("A record that is “%(current)s” cannot become “%(target)s”.")
            % {"current": flow.get_status_display(), "target": FlowStatus(to).label},
            "status",
        )
    if require_reason and not reason.strip():
        raise DomainError("reason_required", _("Give a reason."), "reason")
    on = on or _today()
    _check_date(on, "on", not_before=flow.left_on)
    for name, value in (changes or {}).items():
        setattr(flow, name, value)
    flow.status = to
    flow.status_changed_on = on
    flow.status_reason = reason.strip()[:200]
    if to == FlowStatus.MANAGED and flow.managed_on is None:
        flow.managed_on = on
    if to in CLOSED:
        flow.is_open = False
        flow.closed_on = on
    with audit.action(verb, actor=by, reason=reason):
        flow.save()
        _sync_member_inflow(flow.member, flow)
        if to in CLOSED:
            flow.alerts.filter(resolved=False).update(
                resolved=True, resolved_on=on, note=_("Record closed.")
            )
    return flow


@transaction.atomic
def check_in(
    *,
    by: Any,
    flow: FlowRecord,
    inflow_organization: Organization | None = None,
    on: datetime.date | None = None,
    note: str = "",
) -> FlowRecord:
    """The member is attached to an organization in regular contact (纳管)."""
    if (
        inflow_organization is None
        and flow.inflow_organization_id is None
        and flow.home_organization_id is None
    ):
        raise DomainError(
            "inflow_organization_required",
            _("Choose the organization that takes the member in."),
            "inflow_organization",
        )
    changes = {"inflow_organization": inflow_organization} if inflow_organization else {}
    return _transition(
        by,
        flow,
        FlowStatus.MANAGED,
        on=on,
        reason=note,
        verb="flow.check_in",
        changes=changes,
        act="check_in",  # either side takes the member in
    )


@transaction.atomic
def mark_returned(
    *, by: Any, flow: FlowRecord, on: datetime.date | None = None, reason: str = ""
) -> FlowRecord:
    return _transition(by, flow, FlowStatus.RETURNED, on=on, reason=reason, verb="flow.return")


@transaction.atomic
def mark_transferred(
    *, by: Any, flow: FlowRecord, on: datetime.date | None = None, reason: str = ""
) -> FlowRecord:
    return _transition(
        by,
        flow,
        FlowStatus.TRANSFERRED,
        on=on,
        reason=reason,
        verb="flow.transfer",
        require_reason=True,
    )


@transaction.atomic
def mark_lost(
    *, by: Any, flow: FlowRecord, on: datetime.date | None = None, reason: str = ""
) -> FlowRecord:
    return _transition(
        by, flow, FlowStatus.LOST, on=on, reason=reason, verb="flow.lost", require_reason=True
    )


@transaction.atomic
def mark_found(
    *, by: Any, flow: FlowRecord, on: datetime.date | None = None, reason: str = ""
) -> FlowRecord:
    target = FlowStatus.MANAGED if flow.managed_on else FlowStatus.REGISTERED
    return _transition(by, flow, target, on=on, reason=reason, verb="flow.found")


@transaction.atomic
def suspend_membership(
    *, by: Any, flow: FlowRecord, on: datetime.date | None = None, reason: str = ""
) -> FlowRecord:
    return _transition(
        by,
        flow,
        FlowStatus.SUSPENDED,
        on=on,
        reason=reason,
        verb="flow.suspend",
        require_reason=True,
    )
