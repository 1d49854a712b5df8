"""The set-based writer's rows: what a row holds, what the writer returns, and the rows as
the database and the audit trail take them (:mod:`liudong.members.actions.bulk`)."""

from __future__ import annotations

import datetime
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import DomainError, ScopeError
from liudong.core.scope import scope_of
from liudong.members.actions.derive import entry_state
from liudong.members.actions.flows import flow_scope_between
from liudong.members.models import FlowRecord, Member
from liudong.orgs.models import Organization
from liudong.regions.models import Place

BATCH = 1000
# A member's columns a row may give (foreign keys by primary key under the field's name).
MEMBER_KEYS = (
    "name", "sex", "ethnicity", "birth_date", "id_number", "id_number_index",
    "id_number_masked", "phone", "phone_index", "phone_masked", "education", "joined_on",
    "membership", "home_organization", "home_organization_name", "home_place", "user",
)  # fmt: skip
# A record's facts, then the state a loader may give as it was (the demo's history).
FLOW_KEYS = (
    "direction", "origin_place", "destination_place", "destination_address", "employer",
    "reason", "left_on", "expected_return_on", "home_contact", "inflow_organization",
    # before departure (optional; issue 12 item 6)
    "briefed_on", "briefed_by", "briefing_notes", "certificate_number", "keep_contact",
    "keep_contact_detail",
)  # fmt: skip
# Text facts a row may leave out: stored as '' (as the columns' database default).
_BLANK_TEXT = (
    "destination_address", "employer", "briefed_by", "briefing_notes", "certificate_number",
    "keep_contact", "keep_contact_detail",
)  # fmt: skip
STATE_KEYS = (
    "status", "status_changed_on", "status_reason", "managed_on", "last_contact_on", "closed_on",
)  # fmt: skip
FOREIGN = {
    "home_organization", "home_place", "user", "origin_place", "destination_place",
    "home_contact", "inflow_organization",
}  # fmt: skip
# Refusals that mean "the ledger moved since the rows were checked".
STALE = {
    "id_number_exists", "registered_elsewhere", "open_flow_exists", "ledger_changed", "not_found",
}  # fmt: skip


@dataclass
class LedgerRow:
    """One person: the member's values and their open stay away.

    ``member``: for a new member every key of :data:`MEMBER_KEYS` but ``user`` (the
    checked values); for an existing one (``member_id``) the fields to change. ``flow``:
    a new open record's facts (:data:`FLOW_KEYS`, optionally its state, :data:`STATE_KEYS`)
    when ``flow_id`` is None, else the changes to the open record ``flow_id``, which the
    caller saw open. ``status``/``status_reason``: a new record entering at a status other
    than registered. ``history``: closed earlier records to insert as they were (a loader's).
    ``seen_index``: the ID index the caller saw on ``member_id`` (refused when it moved).
    """

    member: dict[str, Any]
    flow: dict[str, Any] | None = None
    member_id: int | None = None
    flow_id: int | None = None
    status: str = "registered"
    status_reason: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)
    seen_index: str | None = None


@dataclass
class Written:
    members_created: int = 0
    members_updated: int = 0
    flows_registered: int = 0
    flows_updated: int = 0
    audit_rows: int = 0
    member_ids: list[int] = field(default_factory=list)  # in the rows' order
    flow_ids: list[int | None] = field(default_factory=list)  # each row's open record
    history_ids: dict[int, list[int]] = field(default_factory=dict)  # row -> closed records


def _attname(name: str) -> str:
    return f"{name}_id" if name in FOREIGN else name


def _stale(message: str | None = None) -> DomainError:
    return DomainError(
        "ledger_changed",
        message or _("The ledger changed since these rows were checked: check them again."),
        "member",
    )


class _Context:
    """What the rows name, read once: organizations' paths, places' names."""

    def __init__(self, by: Any, rows: Sequence[LedgerRow]) -> None:
        self.by = by
        orgs: set[int] = set()
        places: set[str] = set()
        for row in rows:
            for values in (row.member, row.flow or {}, *row.history):
                for key in ("home_organization", "inflow_organization"):
                    if values.get(key):
                        orgs.add(values[key])
                if values.get("destination_place"):
                    places.add(values["destination_place"])
        self.paths = dict(Organization.objects.filter(pk__in=orgs).values_list("pk", "path"))
        self.place_names = dict(Place.objects.filter(pk__in=places).values_list("pk", "name"))
        self.scope = scope_of(by)

    def path(self, *org_ids: int | None) -> str:
        for org_id in org_ids:
            if org_id:
                if org_id not in self.paths:
                    self.paths[org_id] = Organization.objects.get(pk=org_id).path
                return self.paths[org_id]
        return ""

    def require_in_scope(self, org_id: int | None) -> None:
        if org_id and not self.scope.covers_path(self.path(org_id)):
            raise ScopeError(
                "organization_out_of_scope",
                _("That organization is not within your scope."),
                "home_organization",
            )

    def place_name(self, code: str) -> str:
        if code not in self.place_names:
            self.place_names[code] = str(Place.objects.get(pk=code))
        return self.place_names[code]


_FLOW_ATTNAMES = tuple((k, _attname(k)) for k in FLOW_KEYS)


def _flow_values(
    facts: dict[str, Any], home_organization_id: int | None, today: datetime.date, row: LedgerRow
) -> dict[str, Any]:
    """A new record's columns (by attname): the facts, the derived fields, the state."""
    values = {attname: facts.get(k) for k, attname in _FLOW_ATTNAMES}
    for key in _BLANK_TEXT:
        values[key] = values[key] or ""
    values["flow_scope"] = flow_scope_between(facts["origin_place"], facts["destination_place"])
    values["home_organization_id"] = home_organization_id
    status = facts.get("status") or row.status
    values.update(entry_state(status, today, facts.get("status_reason") or row.status_reason))
    values.update({"last_contact_on": None, "closed_on": None})
    for key in STATE_KEYS:
        if key in facts and key != "status":
            values[key] = facts[key]
    return values


# --- rows as the database takes them, audit rows ------------------------------------------

MEMBER_COLUMNS = (
    "name", "name_pinyin", "sex", "ethnicity", "birth_date", "id_number", "id_number_index",
    "id_number_masked", "phone", "phone_index", "phone_masked", "education", "joined_on",
    "membership", "home_organization_id", "home_organization_name", "home_place_id",
    "inflow_organization_id", "user_id", "created_at", "updated_at",
)  # fmt: skip
FLOW_COLUMNS = (
    "member_id", "direction", "flow_scope", "origin_place_id", "destination_place_id",
    "destination_address", "employer", "reason", "left_on", "expected_return_on",
    "home_contact_id", "home_organization_id", "inflow_organization_id", "status", "is_open",
    "status_changed_on", "status_reason", "closed_on", "managed_on", "last_contact_on",
    "created_at", "briefed_on", "briefed_by", "briefing_notes", "certificate_number",
    "keep_contact", "keep_contact_detail",
)  # fmt: skip


def _preparer(model: type, columns: Sequence[str]) -> Any:
    """Each row's values as the database takes them: the field's own preparation where it
    does something (encryption; dates on SQLite), the value itself elsewhere."""
    from django.db import DEFAULT_DB_ALIAS, connections, models

    connection = connections[DEFAULT_DB_ALIAS]  # the connection itself, not its proxy

    from liudong.core.fields import EncryptedCharField

    fields = {f.attname: f for f in model._meta.concrete_fields}
    dates = connection.vendor != "postgresql"
    steps = [
        (n, fields[c].get_db_prep_save)
        for n, c in enumerate(columns)
        if isinstance(fields[c], EncryptedCharField)
        or (dates and isinstance(fields[c], models.DateField))
    ]
    pick = operator.itemgetter(*columns)

    def prepare(values: dict[str, Any]) -> tuple[Any, ...]:
        row = list(pick(values))
        for n, step in steps:
            row[n] = step(row[n], connection)
        return tuple(row)

    return prepare


def _member_event(
    ctx: _Context, kind: str, verb: str, values: Any, changes: dict[str, Any] | None = None
) -> tuple[Any, ...]:
    """``values``: a dict of columns (a new member) or the member (an update)."""
    get = values.get if isinstance(values, dict) else lambda a: getattr(values, a)
    if changes is None:
        changes = {
            "after": audit.snapshot_values(Member, values if isinstance(values, dict) else get)
        }
    path = ctx.path(get("home_organization_id"), get("inflow_organization_id"))
    return (kind, verb, Member, get("id"), get("name"), path, changes)


def _flow_event(
    ctx: _Context,
    kind: str,
    verb: str,
    values: Any,
    member_name: str,
    changes: dict[str, Any] | None = None,
) -> tuple[Any, ...]:
    get = values.get if isinstance(values, dict) else lambda a: getattr(values, a)
    if changes is None:
        changes = {
            "after": audit.snapshot_values(FlowRecord, values if isinstance(values, dict) else get)
        }
    path = ctx.path(get("home_organization_id"), get("inflow_organization_id"))
    text = FlowRecord.label(member_name, ctx.place_name(get("destination_place_id")))
    return (kind, verb, FlowRecord, get("id"), text, path, changes)
