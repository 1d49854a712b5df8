"""Alerts: resolving them and who answers for a flow."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import DomainError
from liudong.core.scope import CHANGE, user_of
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
