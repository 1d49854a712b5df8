"""An exported ledger read back through the census (issue 12, item 9).

A ledger export (:mod:`liudong.members.export`) carries a hidden, signed record key per row
(:mod:`liudong.members.keys`). Uploaded through the census, a keyed row is the record it
names, edited: the record's current values stand for every column the export lacks or the
county left empty (an empty cell means "not surveyed", never "erase"), the masked ID and
phone numbers of a masked export stand for the record's own, and the row then goes through
the same checks, dry run, preview and commit as any census row. So exactly the rows the file
names are updated.

Refused row by row, with nothing written for them: a key that is not genuine (typed,
altered, from another installation), a record that no longer exists or was closed since
the export, a member the importing county does not own (neither the home nor the receiving
side is in the county), and an ID number that is not the keyed member's.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from liudong.census.columns import fold
from liudong.members.keys import BadRecordKey, read_key
from liudong.members.models import Direction, FlowRecord
from liudong.orgs.models import OrgKind

SIDE_KEYS = ("record_key", "home_side", "receiving_side")
# (column key, problem code, message): the checker makes the row's problem of it.
Refusal = tuple[str | None, str, str]


def keyed(raw: dict[str, Any]) -> bool:
    return any(raw.get(key) not in (None, "") for key in SIDE_KEYS)


def _flows(flow_ids: set[int]) -> dict[int, FlowRecord]:
    rows = FlowRecord.objects.filter(pk__in=flow_ids).select_related(
        "member", "member__home_organization", "inflow_organization"
    )
    return {f.pk: f for f in rows}


def load(ctx: Any, raws: list[tuple[int, dict[str, Any]]]) -> None:
    """The records a chunk's keys name, in one query (``ctx.records``, one chunk's)."""
    wanted: set[int] = set()
    for _number, raw in raws:
        text = raw.get("record_key")
        if text in (None, ""):
            continue
        try:
            wanted.add(read_key(text)[0])
        except BadRecordKey:
            continue
    ctx.records = _flows(wanted) if wanted else {}


def in_county(member: Any, county_path: str) -> bool:
    """Whether a county may change this member through the census: the organization holding
    the membership or the receiving one is in the county. The census's one matching rule,
    for unkeyed rows (:mod:`liudong.census.importer`) and keyed ones alike."""
    for org in (member.home_organization, member.inflow_organization):
        if org is not None and org.path.startswith(county_path):
            return True
    return False


def _current(flow: FlowRecord) -> dict[str, Any]:
    """The record as census cells (codes, which the checker reads like labels)."""
    member = flow.member
    inflow = flow.direction == Direction.INFLOW
    receiving = flow.inflow_organization
    station = receiving if receiving and receiving.kind == OrgKind.MOBILE_BRANCH else None
    organization = member.home_organization if not inflow else None
    if inflow and receiving is not None and station is None:
        organization = receiving
    return {
        "name": member.name,
        "id_number": member.id_number,
        "sex": member.sex,
        "ethnicity": member.ethnicity,
        "phone": member.phone,
        "education": member.education,
        "joined_on": member.joined_on,
        "direction": flow.direction,
        "organization": organization.code if organization is not None else "",
        "home_organization_name": member.home_organization_name if inflow else "",
        "origin": flow.origin_place_id,
        "destination": flow.destination_place_id,
        "destination_address": flow.destination_address,
        "employer": flow.employer,
        "reason": flow.reason,
        "left_on": flow.left_on,
        "expected_return_on": flow.expected_return_on,
        "station": station.code if station is not None else "",
    }


def _given(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _sides(ctx: Any, values: dict[str, Any], raw: dict[str, Any], flow: FlowRecord | None) -> None:
    """The export's two direction-dependent columns onto the template's: "组织关系所在党组织"
    is the home branch of an outflow member, the home organization's name of an inflow one;
    "流入地党组织（联络站）" is the station, or an inflow member's receiving branch."""
    if flow is not None:
        inflow = flow.direction == Direction.INFLOW
    else:
        text = fold(values.get("direction"))
        inflow = bool(text) and ctx.choices["direction"].get(text) == Direction.INFLOW
    home, receiving = raw.get("home_side"), raw.get("receiving_side")
    if _given(home):
        current = ""
        if flow is not None:
            member = flow.member
            current = member.home_organization.name if member.home_organization else ""
            current = member.home_organization_name if inflow else current
        if fold(home) != fold(current):
            values["home_organization_name" if inflow else "organization"] = home
    if _given(receiving):
        current = flow.inflow_organization.name if flow and flow.inflow_organization else ""
        if fold(receiving) != fold(current):
            if fold(receiving) in ctx.stations or not inflow:
                values["station"] = receiving
                if inflow:
                    values["organization"] = ""
            else:
                values["organization"], values["station"] = receiving, ""


def prepare(ctx: Any, raw: dict[str, Any]) -> tuple[dict[str, Any], str | None, Refusal | None]:
    """The row to check, the ID index it must have (a keyed row: its member's), or why the
    row is refused."""
    text = raw.get("record_key")
    if not _given(text):
        values = {k: v for k, v in raw.items() if k not in SIDE_KEYS}
        _sides(ctx, values, raw, None)
        return values, None, None
    try:
        flow_id, member_id = read_key(text)
    except BadRecordKey:
        return raw, None, ("record_key", "record_key_invalid", _key_invalid())
    flow = ctx.records.get(flow_id)
    if flow is None:
        flow = ctx.records[flow_id] = _flows({flow_id}).get(flow_id)  # type: ignore[assignment]
    if flow is None or flow.member_id != member_id:
        return raw, None, ("record_key", "record_gone", _record_gone())
    if not in_county(flow.member, ctx.county.path):
        return raw, None, (None, "record_not_yours", _not_yours())
    if not flow.is_open:
        return raw, None, (None, "record_closed", _record_closed())
    values = _current(flow)
    home = flow.member.home_organization
    if home is not None:  # the record's own branch stands, wherever in the city it is
        ctx.row_organizations[fold(home.code)] = home
    for key, value in raw.items():
        if key not in SIDE_KEYS and _given(value):
            values[key] = value
    # A masked export's numbers stand for the record's own.
    for key, own in (("id_number", flow.member.id_number), ("phone", flow.member.phone)):
        if "*" in str(values.get(key) or ""):
            values[key] = own
    _sides(ctx, values, raw, flow)
    return values, flow.member.id_number_index, None


def _key_invalid() -> str:
    return _(
        "The row's record key was altered or does not come from an export of this ledger: "
        "the row was not read. Export the ledger again and edit that file."
    )


def _record_gone() -> str:
    return _("The record this row names no longer exists: the row was not changed.")


def _not_yours() -> str:
    return _(
        "This row's member is not your county's (neither the organization holding the "
        "membership nor the receiving one is in your county): the row was not changed."
    )


def _record_closed() -> str:
    return _(
        "The record this row names was closed after the export (returned, transferred or "
        "suspended): the row was not changed."
    )


def mismatch() -> str:
    return _(
        "This ID number is not the one of the member the row's record key names: keep the "
        "member's number, or enter a new person on a row without a key."
    )
