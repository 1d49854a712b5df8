"""The commit's rows for the ledger's set-based writer (:mod:`liudong.members.actions.bulk`):
the census adds no rule of its own to how members and flow records are written."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from django.utils.translation import gettext as _

from liudong.census import importer
from liudong.census.actions._common import LedgerChanged
from liudong.core.errors import DomainError
from liudong.members import actions as ledger
from liudong.members.models import Membership

MEMBER_KEYS = (
    "name", "sex", "ethnicity", "birth_date", "id_number", "id_number_index",
    "id_number_masked", "phone", "phone_index", "phone_masked", "education", "joined_on",
    "home_organization", "home_organization_name", "home_place",
)  # fmt: skip
FLOW_KEYS = (
    "direction", "origin_place", "destination_place", "destination_address", "employer",
    "reason", "left_on", "expected_return_on", "inflow_organization",
)  # fmt: skip
# Before departure (issue 12 item 6): new records only; absent from rows staged before.
DEPARTURE_KEYS = (
    "briefed_on", "briefed_by", "briefing_notes", "certificate_number", "keep_contact",
    "keep_contact_detail",
)  # fmt: skip
# A compared column and the member's fields it stands for.
MEMBER_CHANGES = {
    "phone_index": ("phone", "phone_index", "phone_masked"),
}


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _value(v: dict[str, Any], name: str) -> Any:
    return _date(v[name]) if name in importer.DATES else v[name]


def _changed() -> LedgerChanged:
    return LedgerChanged(
        "ledger_changed",
        _(
            "The ledger changed since the check (someone registered some of these people "
            "meanwhile). The file was checked again: look at the preview and commit again."
        ),
        "state",
    )


# (name, is a date) of each key, looked up once.
_MEMBER_PLAN = tuple((name, name in importer.DATES) for name in MEMBER_KEYS)
_FLOW_PLAN = tuple((name, name in importer.DATES) for name in FLOW_KEYS)


def _new_stay(v: dict[str, Any]) -> dict[str, Any]:
    stay = {name: _date(v[name]) if is_date else v[name] for name, is_date in _FLOW_PLAN}
    for name in DEPARTURE_KEYS:
        value = v.get(name)
        stay[name] = _date(value) if name == "briefed_on" else (value or "")
    return stay


def ledger_row(staged: dict[str, Any], reason: str | None = None) -> ledger.LedgerRow:
    """A staged row of the dry run (``new`` or ``updated``) as the writer takes it.
    ``reason``: the new records' status reason, translated once per batch by the caller."""
    v = staged["v"]
    reason = _("Found in the census") if reason is None else reason
    status = {"status": v["status"], "status_reason": reason}
    if staged["outcome"] == "new":
        member = {name: _date(v[name]) if d else v[name] for name, d in _MEMBER_PLAN}
        member["membership"] = Membership.FULL
        return ledger.LedgerRow(member=member, flow=_new_stay(v), **status)
    changes: dict[str, Any] = {}
    for name in staged["member_changes"]:
        for field in MEMBER_CHANGES.get(name, (name,)):
            changes[field] = _value(v, field)
    if staged["flow"] is None:
        flow = _new_stay(v)
    else:
        flow = {name: _value(v, name) for name in staged["flow_changes"]}
    return ledger.LedgerRow(
        member=changes,
        flow=flow,
        member_id=staged["member"],
        flow_id=staged["flow"],
        seen_index=v["id_number_index"],
        **status,
    )


def write(
    rows: list[dict[str, Any]], *, by: Any, county_path: str, today: datetime.date
) -> Counter[str]:
    """Write a batch of staged rows through the ledger's writer; one audit row per member
    and record it changes, each under the verb ``census.commit``. A refusal that means the
    ledger moved since the dry run raises :class:`LedgerChanged` (the file is checked again).
    """
    reason = _("Found in the census")
    try:
        written = ledger.write_rows(
            [ledger_row(r, reason) for r in rows],
            by=by,
            verb="census.commit",
            today=today,
            within=county_path,
        )
    except DomainError as exc:
        if exc.code in ledger.STALE:
            raise _changed() from exc
        raise
    counts: Counter[str] = Counter()
    for key in ("members_created", "members_updated", "flows_registered", "flows_updated"):
        counts[key] += getattr(written, key)
    return counts
