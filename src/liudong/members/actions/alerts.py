"""Alerts: resolving them and who answers for a flow."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import DomainError
from liudong.core.scope import CHANGE, require_actor, user_of
from liudong.members import escalation, notices
from liudong.members.actions._common import _require_may, _require_staff, _today
from liudong.members.models import (
    Alert,
    FlowRecord,
)
from liudong.orgs.models import Organization


@transaction.atomic
def resolve_alert(*, by: Any, alert: Alert, note: str) -> Alert:
    _require_staff(by)
    _require_may(by, alert, CHANGE)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.resolved:
        raise DomainError("alert_resolved", _("This alert is already resolved."), "alert")
    if not note.strip():
        raise DomainError("note_required", _("Write what was done."), "note")
    alert.resolved, alert.resolved_on, alert.resolved_by = True, _today(), user_of(by)
    alert.note = note.strip()[:500]
    with audit.action("alert.resolve", actor=by):
        alert.save()
    return alert


def responsible_organization(flow: FlowRecord) -> Organization:
    return flow.home_organization or flow.inflow_organization


# --- escalation (issue 12 item 7) ----------------------------------------------------------


@transaction.atomic
def escalate_alerts(*, by: Any, today: datetime.date | None = None) -> dict[str, int]:
    """Send alerts left unresolved for ``LIUDONG_ALERT_ESCALATE_DAYS`` up one level (the
    nearest organization above with an administrator, up to the county); run daily after
    the alert scan. An alert with no one above to take it stays where it is, with a note
    naming the organizations without an administrator. All in one transaction: a failure
    leaves no alert half-moved. Returns counts (``escalated``, ``no_one_above``, ``top``).
    """
    require_actor(by)
    today = today or _today()
    due = list(
        escalation.due(today)
        .select_for_update(of=("self",))
        .select_related("flow__member", "flow__destination_place", "organization")
        .order_by("id")
    )
    holders = {escalation.holder_id(a) for a in due}
    orgs = Organization.objects.in_bulk(holders)
    routes = {pk: escalation.target(org) for pk, org in orgs.items()}
    counts = {"escalated": 0, "no_one_above": 0, "top": 0}
    changed: list[Alert] = []
    events = []
    for alert in due:
        holder = orgs[escalation.holder_id(alert)]
        to, passed = routes[holder.pk]
        before = {
            "escalated_to": alert.escalated_to_id,
            "escalated_at": alert.escalated_at,
            "escalation_note": alert.escalation_note,
        }
        if to is None and not passed:
            counts["top"] += 1  # already with the county: nowhere further to go
            continue
        if to is None:
            note = _(
                "Not escalated: no administrator at %(orgs)s; the alert stays with "
                "%(holder)s until one is appointed."
            ) % {"orgs": "、".join(o.name for o in passed), "holder": holder.name}
            counts["no_one_above"] += 1
            if alert.escalation_note == note[:300]:
                continue  # said already; nothing changes
            alert.escalation_note = note[:300]
        else:
            alert.escalated_to, alert.escalated_at = to, today
            alert.escalation_note = ""
            if passed:
                names = "、".join(o.name for o in passed)
                alert.escalation_note = _("Passed over (no administrator): %(orgs)s.") % {
                    "orgs": names
                }
                alert.escalation_note = alert.escalation_note[:300]
            counts["escalated"] += 1
        changed.append(alert)
        after = {
            "escalated_to": alert.escalated_to_id,
            "escalated_at": alert.escalated_at,
            "escalation_note": alert.escalation_note,
        }
        changes = {k: [_plain(before[k]), _plain(after[k])] for k in after if before[k] != after[k]}
        path = alert.organization.path  # the branch and every level above it see the row
        events.append(("update", "alert.escalate", Alert, alert.pk, str(alert), path, changes))
    if changed:
        Alert.objects.bulk_update(changed, ["escalated_to", "escalated_at", "escalation_note"])
    with audit.action("alert.escalate", actor=by):
        if events:
            audit.record_many(events)
    reached: dict[int, int] = {}
    for alert in changed:
        if alert.escalated_to_id is not None and alert.escalated_at == today:
            reached[alert.escalated_to_id] = reached.get(alert.escalated_to_id, 0) + 1
    notices.alerts_reached("alerts.escalated", reached, by=by)
    return counts


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value
