"""The ledger's own panels on a member's page (issue 12 items 6 and 7): before departure
(the pre-departure talk, the activity certificate, the way of keeping contact) and the
open alerts with their escalation and, for six months of lost contact, the suspension
offered with its rule quoted. Registered from :mod:`liudong.members.panels`."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from liudong.core.scope import CHANGE, may, visible_to
from liudong.members import escalation
from liudong.members.models import Alert, Direction, FlowRecord


def _latest_outflow(user: Any, member: Any) -> FlowRecord | None:
    """The open record if any, else the latest one: what the member's page is about."""
    rows = visible_to(user, FlowRecord.objects.filter(member=member))
    return rows.order_by("-is_open", "-left_on", "-id").first()


def before_departure(user: Any, member: Any) -> dict[str, Any] | None:
    flow = _latest_outflow(user, member)
    if flow is None or flow.direction != Direction.OUTFLOW:
        return None
    return {
        "flow": flow,
        "recorded": bool(
            flow.briefed_on or flow.briefed_by or flow.certificate_number or flow.keep_contact
        ),
    }


def alerts_panel(user: Any, member: Any) -> dict[str, Any] | None:
    open_alerts = list(
        visible_to(user, Alert.objects.filter(flow__member=member, resolved=False))
        .select_related("organization", "escalated_to")
        .order_by("raised_on", "id")
    )
    flow = _latest_outflow(user, member)
    offer = (
        flow is not None
        and escalation.suspension_offered(flow, timezone.localdate())
        and may(user, flow, CHANGE)
    )
    if not open_alerts and not offer:
        return None
    return {
        "alerts": open_alerts,
        "offer": offer,
        "flow": flow,
        "suspension_rule": escalation.SUSPENSION_RULE,
        "suspension_source": escalation.SUSPENSION_RULE_SOURCE,
        "suspension_offer": escalation.SUSPENSION_OFFER,
    }
