"""Contacts logged with a member by either side of a flow."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import DomainError, ScopeError
from liudong.core.scope import scope_of, user_of
from liudong.members.actions._common import (
    _check_date,
    _open_record_for,
    _today,
)
from liudong.members.models import (
    Contact,
    ContactMethod,
    FlowRecord,
)
from liudong.orgs.models import Organization

# --- contacts, hand-offs, alerts --------------------------------------------------------


def _side_of(by: Any, flow: FlowRecord) -> Organization:
    """Which side of the record the actor speaks for: the one in their scope (home first,
    then the station's, then the county where an inflow member lives: decision 95)."""
    for org in flow.sides():
        if scope_of(by).covers_path(org.path):
            return org
    raise ScopeError("not_found", _("Not found, or not within your organization's scope."))


@transaction.atomic
def log_contact(
    *, by: Any, flow: FlowRecord, method: str, on: datetime.date | None = None, note: str = ""
) -> Contact:
    flow = _open_record_for(by, flow, "contact")
    if method not in ContactMethod.values:
        raise DomainError("method_invalid", _("Choose how the contact was made."), "method")
    on = on or _today()
    _check_date(on, "contacted_on", not_before=flow.left_on)
    contact = Contact(
        flow=flow,
        contacted_on=on,
        method=method,
        by=user_of(by),
        organization=_side_of(by, flow),
        note=note.strip()[:500],
    )
    with audit.action("contact.log", actor=by):
        contact.save()
        if flow.last_contact_on is None or on > flow.last_contact_on:
            FlowRecord.objects.filter(pk=flow.pk).update(last_contact_on=on)
            flow.last_contact_on = on
        for alert in flow.alerts.filter(resolved=False).exclude(kind="yearly_report"):
            alert.resolved, alert.resolved_on, alert.resolved_by = True, on, user_of(by)
            alert.note = _("Contact logged.")
            alert.save()
    return contact
