"""The fields a write derives, row by row: one rule each, which the single-object actions
and the set-based writer (:mod:`liudong.members.actions.bulk`) both call."""

from __future__ import annotations

import datetime
from typing import Any

from liudong.members.models import OPEN_STATUSES, FlowStatus


def follow_home(flow: Any, home_organization_id: int | None) -> bool:
    """An open record keeps its member's home organization; True when that changed it."""
    if flow.home_organization_id == home_organization_id:
        return False
    flow.home_organization_id = home_organization_id
    return True


def inflow_side(
    *,
    home_organization_id: int | None,
    inflow_organization_id: int | None,
    flow_is_open: bool,
    flow_inflow_organization_id: int | None,
) -> int | None:
    """A member's inflow side after a change of their record (the scope gate reads it):
    the open record's; a member from elsewhere keeps theirs when the record closes."""
    if flow_is_open:
        return flow_inflow_organization_id
    if home_organization_id is None:
        return inflow_organization_id
    return None


def entry_state(status: str, on: datetime.date, reason: str = "") -> dict[str, Any]:
    """A new record's state: registered on ``on``, or entering already at ``status`` (a
    census that finds the member managed or out of contact), as a step to ``status`` on
    the same day would leave it (the lifecycle's rule: managed since that day)."""
    return {
        "status": status,
        "is_open": status in OPEN_STATUSES,
        "status_changed_on": on,
        "status_reason": reason.strip()[:200] if status != FlowStatus.REGISTERED else "",
        "managed_on": on if status == FlowStatus.MANAGED else None,
    }
