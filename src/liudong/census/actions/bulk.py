"""The commit's bulk writes: inserting members and flow records, applying updates."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.census import importer
from liudong.census.actions._common import WRITE_BATCH, LedgerChanged
from liudong.members import actions as ledger
from liudong.members.models import FlowRecord, FlowStatus, Member, Membership


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _new_flow(v: dict[str, Any], member: Member, today: datetime.date) -> FlowRecord:
    status = v["status"]
    return FlowRecord(
        member=member,
        direction=v["direction"],
        flow_scope=v["flow_scope"],
        origin_place_id=v["origin_place"],
        destination_place_id=v["destination_place"],
        destination_address=v["destination_address"],
        employer=v["employer"],
        reason=v["reason"],
        left_on=_date(v["left_on"]),
        expected_return_on=_date(v["expected_return_on"]),
        home_organization_id=member.home_organization_id,
        inflow_organization_id=v["inflow_organization"],
        status=status,
        is_open=True,
        status_changed_on=today,
        status_reason=_("Found in the census") if status != FlowStatus.REGISTERED else "",
        managed_on=today if status == FlowStatus.MANAGED else None,
    )


def _changed() -> LedgerChanged:
    return LedgerChanged(
        "ledger_changed",
        _(
            "The ledger changed since the check (someone registered some of these people "
            "meanwhile). The file was checked again: look at the preview and commit again."
        ),
        "state",
    )


MEMBER_COLUMNS = (
    "name", "name_pinyin", "sex", "ethnicity", "birth_date", "id_number", "id_number_index",
    "id_number_masked", "phone", "phone_index", "phone_masked", "education", "joined_on",
    "membership", "home_organization_id", "home_organization_name", "home_place_id",
    "inflow_organization_id", "created_at", "updated_at",
)  # fmt: skip


FLOW_COLUMNS = (
    "member_id", "direction", "flow_scope", "origin_place_id", "destination_place_id",
    "destination_address", "employer", "reason", "left_on", "expected_return_on",
    "home_organization_id", "inflow_organization_id", "status", "is_open",
    "status_changed_on", "status_reason", "managed_on", "created_at",
)  # fmt: skip


def _insert(model: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Plain INSERTs (COPY on PostgreSQL) of rows already checked by the ledger's rules; the
    database's own constraints (unique ID index, one open record) still apply."""
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def _insert_members(values: list[dict[str, Any]]) -> dict[str, int]:
    """New members; returns ID index -> primary key."""
    id_field = Member._meta.get_field("id_number")
    phone_field = Member._meta.get_field("phone")
    now = timezone.now()
    rows = [
        (
            v["name"], ledger.pinyin_key(v["name"]), v["sex"], v["ethnicity"],
            _date(v["birth_date"]),
            id_field.get_prep_value(v["id_number"]), v["id_number_index"], v["id_number_masked"],
            phone_field.get_prep_value(v["phone"]), v["phone_index"], v["phone_masked"],
            v["education"], _date(v["joined_on"]), Membership.FULL, v["home_organization"],
            v["home_organization_name"], v["home_place"], v["inflow_organization"], now, now,
        )
        for v in values
    ]  # fmt: skip
    _insert(Member, MEMBER_COLUMNS, rows)
    return importer.member_ids([v["id_number_index"] for v in values])


def _insert_flows(items: list[tuple[int, dict[str, Any]]], today: datetime.date) -> None:
    now = timezone.now()
    found = _("Found in the census")
    rows = [
        (
            member_pk, v["direction"], v["flow_scope"], v["origin_place"],
            v["destination_place"], v["destination_address"], v["employer"], v["reason"],
            _date(v["left_on"]), _date(v["expected_return_on"]), v["home_organization"],
            v["inflow_organization"], v["status"], True, today,
            found if v["status"] != FlowStatus.REGISTERED else "",
            today if v["status"] == FlowStatus.MANAGED else None, now,
        )
        for member_pk, v in items
    ]  # fmt: skip
    _insert(FlowRecord, FLOW_COLUMNS, rows)


def _apply_updates(
    rows: list[dict[str, Any]], county_path: str, today: datetime.date, counts: Counter[str]
) -> None:
    members = {
        m.pk: m
        for m in Member.objects.select_for_update(of=("self",))
        .filter(pk__in=[r["member"] for r in rows])
        .select_related("home_organization", "inflow_organization")
    }
    flows = {
        f.member_id: f
        for f in FlowRecord.objects.select_for_update().filter(
            member_id__in=list(members), is_open=True
        )
    }
    member_fields: set[str] = set()
    flow_fields: set[str] = set()
    changed_members, changed_flows, created_flows = [], [], []
    for row in rows:
        v = row["v"]
        member = members.get(row["member"])
        if member is None or member.id_number_index != v["id_number_index"]:
            raise _changed()
        if not importer._in_scope(member, county_path):
            raise _changed()
        flow = flows.get(member.pk)
        if (flow.pk if flow else None) != row["flow"]:
            raise _changed()
        for name in row["member_changes"]:
            if name == "home_organization":
                member.home_organization_id = v["home_organization"]
                member_fields.add("home_organization")
            elif name == "phone_index":
                member.phone, member.phone_index = v["phone"], v["phone_index"]
                member.phone_masked = v["phone_masked"]
                member_fields.update({"phone", "phone_index", "phone_masked"})
            else:
                setattr(member, name, _date(v[name]) if name in importer.DATES else v[name])
                member_fields.add(name)
                if name == "name":
                    member.name_pinyin = ledger.pinyin_key(v["name"])
                    member_fields.add("name_pinyin")
        if row["member_changes"]:
            changed_members.append(member)
        if flow is None:
            created = _new_flow(v, member, today)
            created_flows.append(created)
            if created.inflow_organization_id != member.inflow_organization_id:
                member.inflow_organization_id = created.inflow_organization_id
                member_fields.add("inflow_organization")
                if member not in changed_members:
                    changed_members.append(member)
            continue
        for name in row["flow_changes"]:
            attname = f"{name}_id" if name.endswith(("_place", "_organization")) else name
            value = v[name]
            setattr(flow, attname, _date(value) if name in importer.DATES else value)
            flow_fields.add(name)
        if row["flow_changes"]:
            flow.flow_scope = ledger.flow_scope_between(
                flow.origin_place_id, flow.destination_place_id
            )
            flow.home_organization_id = member.home_organization_id
            flow_fields.update({"flow_scope", "home_organization"})
            changed_flows.append(flow)
            if "inflow_organization" in row["flow_changes"]:
                member.inflow_organization_id = flow.inflow_organization_id
                member_fields.add("inflow_organization")
                if member not in changed_members:
                    changed_members.append(member)
    if changed_members:
        member_fields.add("updated_at")
        now = timezone.now()
        for member in changed_members:
            member.updated_at = now
        Member.objects.bulk_update(changed_members, sorted(member_fields), batch_size=WRITE_BATCH)
    if changed_flows:
        FlowRecord.objects.bulk_update(changed_flows, sorted(flow_fields), batch_size=WRITE_BATCH)
    if created_flows:
        FlowRecord.objects.bulk_create(created_flows, batch_size=WRITE_BATCH)
    counts["members_updated"] += len(changed_members)
    counts["flows_updated"] += len(changed_flows)
    counts["flows_registered"] += len(created_flows)
