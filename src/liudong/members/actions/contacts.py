"""Contacts logged with a member by either side of a flow."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.bulk import update_objects
from liudong.core.errors import DomainError, ScopeError
from liudong.core.scope import scope_of, user_of
from liudong.members.actions._common import (
    _check_date,
    _open_record_for,
    _require_staff,
    _today,
)
from liudong.members.models import (
    Alert,
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


def write_contacts(
    contacts: Sequence[Contact],
    *,
    by: Any,
    audited: bool = True,
    today: datetime.date | None = None,
) -> list[Contact]:
    """The set-based writer of contacts (a loader's history, an import): each of
    ``contacts`` as it was logged, its record, date, method, note, who logged it (``by``
    on the contact) and the side they spoke for (``organization``). Checked as
    :func:`log_contact` checks one (the method, the date not in the future nor before the
    stay began, the side one of the record's and within the actor's scope), but a closed
    record takes contacts made while it was open (not after ``closed_on``). Then what one
    contact does, once per record: its last contact moves to the latest date, and its open
    alerts (not the yearly report) are resolved on that date. One transaction, or nothing;
    with ``audited``, one audit row per contact and per resolved alert (the load's own row
    otherwise). ``tests/members/test_contact_writer.py`` holds it equal to
    :func:`log_contact`."""
    _require_staff(by)
    today = today or _today()
    scope = scope_of(by)
    contacts = list(contacts)
    with transaction.atomic():
        flows = {
            flow.pk: flow
            for flow in FlowRecord.objects.select_for_update(of=("self",))
            .select_related("home_organization", "inflow_organization", "residence_organization")
            .filter(pk__in={c.flow_id for c in contacts})
        }
        latest: dict[int, datetime.date] = {}
        first: dict[int, Contact] = {}  # the contact that resolves the record's alerts
        for contact in contacts:
            flow = flows.get(contact.flow_id)
            sides = {org.pk: org for org in flow.sides()} if flow is not None else {}
            side = sides.get(contact.organization_id)
            if side is None or not scope.covers_path(side.path):
                raise ScopeError(
                    "not_found", _("Not found, or not within your organization's scope.")
                )
            if contact.method not in ContactMethod.values:
                raise DomainError("method_invalid", _("Choose how the contact was made."), "method")
            on = contact.contacted_on
            _check_date(on, "contacted_on", not_before=flow.left_on, today=today)
            if not flow.is_open and flow.closed_on is not None and on > flow.closed_on:
                raise DomainError(
                    "record_closed", _("This record is closed: no more contacts."), "flow"
                )
            contact.flow, contact.organization = flow, side
            contact.note = contact.note.strip()[:500]
            latest[flow.pk] = max(on, latest.get(flow.pk, on))
            first.setdefault(flow.pk, contact)
        written = Contact.objects.bulk_create(contacts, batch_size=2000)
        moved = []
        for pk, on in latest.items():
            flow = flows[pk]
            if flow.last_contact_on is None or on > flow.last_contact_on:
                flow.last_contact_on = on
                moved.append(flow)
        update_objects(FlowRecord, moved, ["last_contact_on"])
        alerts = list(
            Alert.objects.filter(flow_id__in=latest, resolved=False)
            .exclude(kind="yearly_report")
            .select_related("flow__member", "organization")
        )
        events: list[tuple[Any, ...]] = []
        for alert in alerts:
            before = audit.snapshot(alert)
            resolving = first[alert.flow_id]
            alert.resolved, alert.resolved_on = True, resolving.contacted_on
            alert.resolved_by_id = resolving.by_id
            alert.note = _("Contact logged.")
            changes = audit.update_changes(Alert, before, audit.snapshot(alert))
            path = audit.organization_path_of(alert)
            events.append(("update", "", Alert, alert.pk, str(alert), path, changes))
        update_objects(Alert, alerts, ["resolved", "resolved_on", "resolved_by_id", "note"])
        if audited:
            created = [
                (
                    "create",
                    "",
                    Contact,
                    c.pk,
                    str(c),
                    c.organization.path,
                    {"after": audit.snapshot(c)},
                )
                for c in written
            ]
            with audit.action("contact.log", actor=by):
                audit.record_many(created + events)
    return written
