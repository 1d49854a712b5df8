"""The ledger's set-based writer: many members and their open stays away in one go.

Given rows already checked by the ledger's own rules (:func:`check_member_values`,
:func:`check_flow_values`, as the census's dry run checks every row) and the acting user
or :data:`liudong.core.scope.SYSTEM`, it creates and updates members and flow records with
the fields the single-object actions derive (:mod:`liudong.members.actions.derive`, the
search key, the flow scope), refuses what they refuse (the actor's role, the gate's "may
change", an organization outside the actor's scope, an ID number already in the ledger, a
second open record), and writes one audit row per changed object with its before and
after, in bulk (the signals of single saves do not fire). Plain inserts are one COPY on
PostgreSQL (:mod:`liudong.core.bulk`). ``tests/members/test_bulk_writer_parity.py``
holds it equal to :func:`create_member`, :func:`update_member` and :func:`register_flow`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import gc
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.bulk import insert_rows, update_objects
from liudong.core.errors import DomainError
from liudong.core.scope import CHANGE, VIEW, ScopeKind, restrict
from liudong.members.actions._common import (
    _not_found,
    _not_keeping_side,
    _require_staff,
    _today,
)
from liudong.members.actions.bulk_rows import (
    BATCH,
    FLOW_COLUMNS,
    FLOW_KEYS,
    MEMBER_COLUMNS,
    MEMBER_KEYS,
    STALE,
    LedgerRow,
    Written,
    _attname,
    _Context,
    _flow_event,
    _flow_values,
    _member_event,
    _preparer,
    _stale,
)
from liudong.members.actions.derive import follow_home, inflow_side
from liudong.members.actions.flows import flow_scope_between, open_flow_exists
from liudong.members.actions.members import (
    _duplicate_error,
    derived_member_fields,
    new_member_inflow_side,
)
from liudong.members.models import FlowRecord, Member, Membership

__all__ = ["FLOW_KEYS", "MEMBER_KEYS", "STALE", "LedgerRow", "Written", "write_rows"]


def write_rows(
    rows: Iterable[LedgerRow],
    *,
    by: Any,
    verb: str | None = None,
    audited: bool = True,
    today: datetime.date | None = None,
    within: str | None = None,
) -> Written:
    """Write ``rows`` in one transaction, or nothing (the first refusal is raised).

    ``verb``: one business verb for every audit row (e.g. ``census.commit``); by default
    each object's row has the verb of the single action that would have changed it first
    (``member.create``, ``member.update``, ``flow.register``, ``flow.update``).
    ``audited=False``: no per-object rows (the demo loader records its load as one row).
    ``within``: an organization path the existing members must still belong to (home or
    inflow side), else the rows are stale (a county's census file touches its own only).
    """
    rows = list(rows)
    _require_staff(by)
    today = today or _today()
    with _no_cycle_collection(), transaction.atomic():
        ctx = _Context(by, rows)
        out = Written(member_ids=[0] * len(rows), flow_ids=[None] * len(rows))
        events: list[tuple[Any, ...]] = []
        new = [i for i, r in enumerate(rows) if r.member_id is None]
        old = [i for i, r in enumerate(rows) if r.member_id is not None]
        if new:  # members, then closed records, then open ones: ids in the rows' order
            _create(ctx, rows, new, today, out, events)
        for start in range(0, len(old), BATCH):
            _update(ctx, rows, old[start : start + BATCH], today, out, events, within)
        if audited and events:
            if verb:
                events = [
                    dataclasses.replace(e, verb=verb)
                    if isinstance(e, audit.FromRows)
                    else (e[0], verb, *e[2:])
                    for e in events
                ]
            with audit.action(verb or "", actor=by):
                out.audit_rows = audit.record_many(events)
    return out


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cycle collector while a batch is written: the batch's many small dicts
    and tuples (which hold no cycles) would otherwise set off collections that walk every
    live object again and again (a tenth of a census commit's time). Reference counting
    still frees them; the collector runs as before once the batch is written."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# --- new members ------------------------------------------------------------------------


def _members_with(indexes: list[str]) -> dict[str, int]:
    """ID index -> member, for the members among ``indexes`` (plain statements: the ORM's
    ``__in`` prepares each of a thousand parameters on its own)."""
    from django.db import connection

    found: dict[str, int] = {}
    table = connection.ops.quote_name(Member._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(indexes), BATCH):
            chunk = indexes[start : start + BATCH]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT id_number_index, id FROM {table} WHERE id_number_index IN ({marks})",
                chunk,
            )
            found.update(cursor.fetchall())
    return found


def _create(
    ctx: _Context,
    rows: Sequence[LedgerRow],
    batch: list[int],
    today: datetime.date,
    out: Written,
    events: list[tuple[Any, ...]],
) -> None:
    by = ctx.by
    seen: set[str] = set()
    for i in batch:
        index = rows[i].member["id_number_index"]
        if index in seen:
            raise _stale()
        seen.add(index)
        ctx.require_in_scope(rows[i].member.get("home_organization"))
    existing = _members_with(list(seen))
    if existing:
        first = next(rows[i] for i in batch if rows[i].member["id_number_index"] in existing)
        asked = Member(name=first.member["name"], id_number_masked=first.member["id_number_masked"])
        found = Member.objects.get(pk=existing[first.member["id_number_index"]])
        raise _duplicate_error(by, found, asked)
    now = timezone.now()
    members, flows, history = [], [], []
    for i in batch:
        row = rows[i]
        m = {attname: row.member.get(k) for k, attname in MEMBER_ATTNAMES}
        m["membership"] = m["membership"] or Membership.FULL
        m["education"] = m["education"] or ""
        m["home_organization_name"] = m["home_organization_name"] or ""
        m.update(derived_member_fields(row.member))
        m["inflow_organization_id"] = new_member_inflow_side(m["home_organization_id"], by)
        m["created_at"] = m["updated_at"] = now
        for facts in row.history:
            history.append((i, _flow_values(facts, m["home_organization_id"], today, row)))
        if row.flow is not None:
            f = _flow_values(row.flow, m["home_organization_id"], today, row)
            m["inflow_organization_id"] = inflow_side(
                home_organization_id=m["home_organization_id"],
                inflow_organization_id=m["inflow_organization_id"],
                flow_is_open=f["is_open"],
                flow_inflow_organization_id=f["inflow_organization_id"],
            )
            flows.append((i, f))
        members.append((i, m))
    # PostgreSQL builds the new objects' audit snapshots from the inserted rows themselves
    # (audit.FROM_ROW); elsewhere they are built here, from the same values.
    in_sql = audit.sql_snapshots()
    prepare = _preparer(Member, MEMBER_COLUMNS)
    ids = insert_rows(Member, MEMBER_COLUMNS, [prepare(m) for _i, m in members], returning_ids=True)
    names = {}
    for (i, m), pk in zip(members, ids, strict=True):
        m["id"] = out.member_ids[i] = pk
        names[i] = (pk, m["name"])
        out.members_created += 1
        if not in_sql:
            events.append(_member_event(ctx, "create", "member.create", m))
    if in_sql:
        events.append(_created_in_sql(Member, "member.create", ids))
    prepare = _preparer(FlowRecord, FLOW_COLUMNS)
    for group, is_open in ((history, False), (flows, True)):
        for i, f in group:
            f["member_id"], f["created_at"] = names[i][0], now
        flow_ids = insert_rows(
            FlowRecord, FLOW_COLUMNS, [prepare(f) for _i, f in group], returning_ids=True
        )
        if in_sql:
            events.append(_created_in_sql(FlowRecord, "flow.register", flow_ids))
        for (i, f), pk in zip(group, flow_ids, strict=True):
            f["id"] = pk
            if not in_sql:
                events.append(_flow_event(ctx, "create", "flow.register", f, names[i][1]))
            if is_open:
                out.flow_ids[i] = pk
                out.flows_registered += 1
            else:
                out.history_ids.setdefault(i, []).append(pk)


def _created_in_sql(model: type, verb: str, ids: list[int]) -> audit.FromRows:
    """The ``create`` audit rows of the objects ``ids`` just inserted, built in SQL: the
    same rows :func:`_member_event` and :func:`_flow_event` build in Python (named by the
    member, or "member → destination"; the path of the home side, else the inflow side)."""
    from django.db import connection

    from liudong.orgs.models import Organization
    from liudong.regions.models import Place

    quote = connection.ops.quote_name
    orgs = quote(Organization._meta.db_table)
    path = (
        f"COALESCE((SELECT o.path FROM {orgs} o WHERE o.id = t.home_organization_id), "
        f"(SELECT o.path FROM {orgs} o WHERE o.id = t.inflow_organization_id), '')"
    )
    if model is Member:
        return audit.FROM_ROW("create", verb, model, tuple(ids), "t.name", path)
    label = FlowRecord.label("__m__", "__p__").replace("'", "''")
    before, middle = label.split("__m__")[0], label.split("__m__")[1].split("__p__")[0]
    return audit.FROM_ROW(
        "create",
        verb,
        model,
        tuple(ids),
        f"'{before}' || m.name || '{middle}' || p.name",
        path,
        f"JOIN {quote(Member._meta.db_table)} m ON m.id = t.member_id "
        f"JOIN {quote(Place._meta.db_table)} p ON p.code = t.destination_place_id",
    )


# --- members in the ledger ------------------------------------------------------------------

MASKED = ("id_number", "phone")
MEMBER_ATTNAMES = tuple((k, _attname(k)) for k in MEMBER_KEYS)


def _update(
    ctx: _Context,
    rows: Sequence[LedgerRow],
    batch: list[int],
    today: datetime.date,
    out: Written,
    events: list[tuple[Any, ...]],
    within: str | None,
) -> None:
    by = ctx.by
    ids = [rows[i].member_id for i in batch]
    members = {
        m.pk: m
        for m in Member.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("home_organization", "inflow_organization")
    }
    visible = changeable = set(members)
    if ctx.scope.kind != ScopeKind.ALL:
        chosen = Member.objects.filter(pk__in=ids)
        visible = set(restrict(by, chosen, VIEW).values_list("pk", flat=True))
        changeable = set(restrict(by, chosen, CHANGE).values_list("pk", flat=True))
    flows = {
        f.member_id: f
        for f in FlowRecord.objects.select_for_update().filter(member_id__in=ids, is_open=True)
    }
    new_indexes = [
        index
        for i in batch
        if (index := rows[i].member.get("id_number_index"))
        and (
            rows[i].member_id not in members or members[rows[i].member_id].id_number_index != index
        )
    ]
    clashes = dict(
        Member.objects.filter(id_number_index__in=new_indexes).values_list("id_number_index", "pk")
    )
    member_fields: set[str] = set()
    flow_fields: set[str] = set()
    changed_members: dict[int, Member] = {}
    changed_flows: dict[int, FlowRecord] = {}
    created: list[tuple[int, dict[str, Any]]] = []
    history: list[tuple[int, dict[str, Any]]] = []
    for i in batch:
        row = rows[i]
        member = members.get(row.member_id)
        if member is None or member.pk not in visible:
            raise _not_found()
        if row.seen_index is not None and member.id_number_index != row.seen_index:
            raise _stale()
        if within is not None and not any(
            org is not None and org.path.startswith(within)
            for org in (member.home_organization, member.inflow_organization)
        ):
            raise _stale()
        if member.pk not in changeable:
            raise _not_keeping_side()
        out.member_ids[i] = member.pk
        before = audit.snapshot(member)
        secrets = {name: getattr(member, name) for name in MASKED}
        changes = dict(row.member)
        if "home_organization" in changes:
            ctx.require_in_scope(changes["home_organization"])
        index = changes.get("id_number_index")
        for name, value in changes.items():
            setattr(member, _attname(name), value)
            member_fields.add(name)
        if index and index in clashes and clashes[index] != member.pk:
            raise _duplicate_error(by, Member.objects.get(pk=clashes[index]), member)
        if "name" in changes:
            derived = derived_member_fields({"name": member.name})
            for name, value in derived.items():
                setattr(member, name, value)
                member_fields.add(name)
        member_verb = "member.update" if changes else ""
        for facts in row.history:
            values = _flow_values(facts, member.home_organization_id, today, row)
            if values["is_open"]:  # an earlier stay is a closed one (a loader's history)
                raise DomainError("history_open", _("An earlier stay must be closed."), "flow")
            values["member_id"] = member.pk
            history.append((i, values))
        flow = flows.get(member.pk)
        flow_before = audit.snapshot(flow) if flow is not None else None
        flow_verb = ""
        if flow is not None and follow_home(flow, member.home_organization_id):
            flow_fields.add("home_organization")
            flow_verb = "member.update"
        if row.flow is not None and row.flow_id is None:
            if flow is not None:
                raise open_flow_exists(flow)
            f = _flow_values(row.flow, member.home_organization_id, today, row)
            f["member_id"] = member.pk
            created.append((i, f))
            wanted = inflow_side(
                home_organization_id=member.home_organization_id,
                inflow_organization_id=member.inflow_organization_id,
                flow_is_open=f["is_open"],
                flow_inflow_organization_id=f["inflow_organization_id"],
            )
            if wanted != member.inflow_organization_id:
                member.inflow_organization_id = wanted
                member_fields.add("inflow_organization")
                member_verb = member_verb or "flow.register"
        elif row.flow is not None:
            if flow is None or flow.pk != row.flow_id:
                raise _stale()
            for name, value in row.flow.items():
                setattr(flow, _attname(name), value)
                flow_fields.add(name)
            if row.flow:
                origin, destination = flow.origin_place_id, flow.destination_place_id
                flow.flow_scope = flow_scope_between(origin, destination)
                flow_fields.add("flow_scope")
                flow_verb = flow_verb or "flow.update"
            if "inflow_organization" in row.flow:
                wanted = inflow_side(
                    home_organization_id=member.home_organization_id,
                    inflow_organization_id=member.inflow_organization_id,
                    flow_is_open=flow.is_open,
                    flow_inflow_organization_id=flow.inflow_organization_id,
                )
                if wanted != member.inflow_organization_id:
                    member.inflow_organization_id = wanted
                    member_fields.add("inflow_organization")
                    member_verb = member_verb or "flow.update"
        if flow is not None and flow_verb:
            out.flow_ids[i] = flow.pk
            diff = audit.update_changes(FlowRecord, flow_before, audit.snapshot(flow))
            changed_flows[flow.pk] = flow
            if diff:
                events.append(_flow_event(ctx, "update", flow_verb, flow, member.name, diff))
        elif flow is not None:
            out.flow_ids[i] = flow.pk
        secret = [n for n in MASKED if secrets[n] != getattr(member, n)]
        diff = audit.update_changes(Member, before, audit.snapshot(member), secret)
        if diff or member_verb:
            changed_members[member.pk] = member
        if diff:
            verb = member_verb or "member.update"
            events.append(_member_event(ctx, "update", verb, member, diff))
    if changed_members:
        now = timezone.now()
        for member in changed_members.values():
            member.updated_at = now
        fields = sorted(_attname(n) for n in member_fields | {"updated_at"})
        update_objects(Member, list(changed_members.values()), fields)
    if changed_flows:
        fields = sorted(_attname(n) for n in flow_fields)
        update_objects(FlowRecord, list(changed_flows.values()), fields)
    out.members_updated += len(changed_members)
    out.flows_updated += len(changed_flows)
    now = timezone.now()
    prepare = _preparer(FlowRecord, FLOW_COLUMNS)
    for group, is_open in ((history, False), (created, True)):  # closed earlier stays first
        if not group:
            continue
        for _i, f in group:
            f["created_at"] = now
        flow_ids = insert_rows(
            FlowRecord, FLOW_COLUMNS, [prepare(f) for _i, f in group], returning_ids=True
        )
        for (i, f), pk in zip(group, flow_ids, strict=True):
            f["id"] = pk
            name = members[rows[i].member_id].name
            events.append(_flow_event(ctx, "create", "flow.register", f, name))
            if is_open:
                out.flow_ids[i] = pk
                out.flows_registered += 1
            else:
                out.history_ids.setdefault(i, []).append(pk)
