"""The dry run's reading side: stream the file, check every row, find duplicates within the
file, and sort accepted rows against the ledger and the other counties' files of the round
(new / updated / unchanged / claimed elsewhere). Reads only; actions.py writes the results.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _

from liudong.census import keys
from liudong.census.checker import CheckedRow, FileContext, Problem, check_row
from liudong.census.models import CensusEntry, CensusSubmission, SubmissionState
from liudong.census.reader import Sheet
from liudong.members.models import FlowRecord, Member

CHUNK_ROWS = 1000
MEMBER_COMPARED = (
    "name",
    "sex",
    "ethnicity",
    "phone_index",
    "education",
    "joined_on",
    "home_organization",
    "home_organization_name",
)
FLOW_COMPARED = (
    "direction",
    "origin_place",
    "destination_place",
    "destination_address",
    "employer",
    "reason",
    "left_on",
    "expected_return_on",
)
DATES = {"joined_on", "left_on", "expected_return_on", "birth_date", "briefed_on"}


@dataclass
class Sorted:
    """One chunk's rows, sorted."""

    rejected: list[CheckedRow] = field(default_factory=list)
    staged: list[dict[str, Any]] = field(default_factory=list)  # new and updated rows
    entries: list[tuple[int, str, str]] = field(default_factory=list)  # row, index, outcome
    conflicts: list[tuple[CheckedRow, int | None, int | None]] = field(default_factory=list)


def checked_chunks(
    ctx: FileContext, sheet: Sheet, seen: dict[str, int]
) -> Iterator[tuple[list[CheckedRow], int]]:
    """Checked rows in chunks, with the last row number read; duplicates within the file
    (``seen``: index -> first row) are rejected with the row they repeat."""
    for raws in _raw_chunks(sheet.rows()):
        keys.load(ctx, raws)  # the records the chunk's keyed rows name, in one query
        yield _checked(ctx, sheet, seen, raws), raws[-1][0]


def _raw_chunks(
    rows: Iterator[tuple[int, dict[str, Any]]],
) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    chunk: list[tuple[int, dict[str, Any]]] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _checked(
    ctx: FileContext, sheet: Sheet, seen: dict[str, int], raws: list[tuple[int, dict[str, Any]]]
) -> list[CheckedRow]:
    chunk: list[CheckedRow] = []
    for number, raw in raws:
        row = check_row(ctx, number, raw)
        for key, ref in sheet.merged.get(number, ()):
            row.problems.append(
                Problem(
                    key or None,
                    "merged_cells",
                    _("Cells %(ref)s are merged: unmerge them and fill every cell.") % {"ref": ref},
                )
            )
        if row.ok:
            first = seen.get(row.id_number_index[:32])
            if first is not None:
                row.problems.append(
                    Problem(
                        "id_number",
                        "duplicate_in_file",
                        _("The same ID number is already in row %(row)d of this file.")
                        % {"row": first},
                    )
                )
            else:
                seen[row.id_number_index[:32]] = number
        chunk.append(row)
    return chunk


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def member_changes(member: Member, values: dict[str, Any]) -> list[str]:
    changed = []
    for name in MEMBER_COMPARED:
        current = getattr(member, f"{name}_id" if name == "home_organization" else name)
        # An empty cell means "not surveyed", never "erase".
        if values[name] not in (None, "") and _plain(current) != values[name]:
            changed.append(name)
    return changed


def flow_changes(flow: FlowRecord, values: dict[str, Any]) -> list[str]:
    changed = []
    for name in FLOW_COMPARED:
        attname = f"{name}_id" if name in ("origin_place", "destination_place") else name
        current = _plain(getattr(flow, attname))
        if values[name] not in (None, "") and current != values[name]:
            changed.append(name)
    if (
        values["inflow_organization"]
        and flow.inflow_organization_id != values["inflow_organization"]
    ):
        changed.append("inflow_organization")
    return changed


def member_ids(indexes: list[str]) -> dict[str, int]:
    """ID index -> member id, for the members among ``indexes`` (one plain statement: the
    ORM's ``__in`` prepares each of a thousand parameters on its own)."""
    if not indexes:
        return {}
    table = connection.ops.quote_name(Member._meta.db_table)
    marks = ", ".join(["%s"] * len(indexes))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id_number_index, id FROM {table} WHERE id_number_index IN ({marks})",
            list(indexes),
        )
        return dict(cursor.fetchall())


def existing_members(indexes: list[str]) -> dict[str, Member]:
    found = member_ids(indexes)
    if not found:  # a first census: nobody is in the ledger yet
        return {}
    rows = (
        Member.objects.filter(pk__in=list(found.values()))
        .select_related("home_organization", "inflow_organization")
        .defer("id_number", "phone")
    )
    return {m.id_number_index: m for m in rows}


def open_flows(members: list[Member]) -> dict[int, FlowRecord]:
    flows = FlowRecord.objects.filter(member__in=[m.pk for m in members], is_open=True)
    return {f.member_id: f for f in flows}


def claims_elsewhere(submission: CensusSubmission, indexes: list[str]) -> dict[str, int]:
    """Index -> another county's checked (not yet committed) submission in this round."""
    others = list(
        CensusSubmission.objects.filter(
            round_id=submission.round_id,
            state__in=[SubmissionState.VALIDATED, SubmissionState.COMMITTING],
        )
        .exclude(county_id=submission.county_id)
        .values_list("pk", flat=True)
    )
    if not others or not indexes:
        return {}
    rows = (
        CensusEntry.objects.filter(submission_id__in=others, id_number_index__in=indexes)
        .filter(~Q(outcome="conflict"))
        .values_list("id_number_index", "submission_id")
    )
    return dict(rows)


def sort_chunk(submission: CensusSubmission, rows: list[CheckedRow]) -> Sorted:
    result = Sorted()
    good = [r for r in rows if r.ok]
    result.rejected = [r for r in rows if not r.ok]
    indexes = [r.id_number_index for r in good]
    members = existing_members(indexes)
    flows = open_flows(list(members.values()))
    others = claims_elsewhere(submission, indexes)
    county_path = submission.county.path
    for row in good:
        member = members.get(row.id_number_index)
        other = others.get(row.id_number_index)
        if (member is not None and not keys.in_county(member, county_path)) or (
            member is None and other is not None
        ):
            result.conflicts.append((row, member.pk if member else None, other))
            result.entries.append((row.row_number, row.id_number_index, "conflict"))
            continue
        if member is None:
            outcome, staged = "new", {"member": None, "flow": None}
        else:
            flow = flows.get(member.pk)
            staged = {
                "member": member.pk,
                "member_changes": member_changes(member, row.values),
                "flow": flow.pk if flow else None,
                "flow_changes": flow_changes(flow, row.values) if flow else [],
            }
            changed = staged["member_changes"] or staged["flow_changes"] or flow is None
            outcome = "updated" if changed else "unchanged"
        result.entries.append((row.row_number, row.id_number_index, outcome))
        if outcome != "unchanged":
            result.staged.append(
                {"row": row.row_number, "outcome": outcome, "v": row.values} | staged
            )
    return result
