"""The rollup (``FlowTally``): open flow records counted per key, kept by database triggers.

Key: direction, flow scope, status, destination prefecture (4 digits), the home-side, the
inflow-side organization and the county of residence (as on the record; NULL when absent;
analytics migration 0005). Every figure of a
dashboard, the map's province and prefecture counts and the monthly report's live rows are
sums over it; the responsible side (decision 21) is derived from the key when reading.

Contact overdue (the ledger's one rule, :mod:`liudong.members.overdue`: last contact, or
never contacted the start, before a cutoff taken from ``overdue_cutoff``; the triggers, the
correction and its SQL compare with ``<`` to that cutoff, passed in as a parameter) depends
on today's date: the tally counts, per key, the records overdue on an anchor day
(``FlowTallyDay``, moved to the day's cutoff by the nightly rebuild), and a reader adds
the records whose last contact (or start) lies between the anchor and today's cutoff,
counted from covering partial indexes (``analytics_contact_overdue_idx``,
``analytics_never_contacted_idx``, migration 0003): about a day of records.

Served by a station (``analytics.figures.definitions``: attached, checked in, or contacted by
the station's branch in the period) is kept the same way (analytics migration 0006,
decisions 125–127): each record carries ``last_served_on`` (kept by triggers on the records,
contacts, check-ins and stations), the tally counts per key the records served in the period
starting on ``FlowTallyDay.served_since``, and a reader corrects the days between that and
today's period start from ``analytics_served_idx``. A pending check-in is not kept there
(migration 0007, decisions 128–129): the reader adds those records at read time. The
rebuild checks and mends the
records' ``last_served_on`` first (a load without triggers leaves it empty).

Not in it: the filters it has no column for (reason, period), the map's county drill and
the inflow members' origins; those read the records through covering partial indexes
(migration 0004). The one reader of both is ``analytics.figures.reader``.

:func:`rebuild` recomputes it from the records, reports the drift and mends it (the nightly
snapshot job and the demo load run it; so must any load that bypasses triggers).
"""

from __future__ import annotations

import datetime
import importlib
import json
import time
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone

from liudong.analytics.models import FlowTally, FlowTallyDay
from liudong.core import audit
from liudong.core.scope import by_organization
from liudong.members.models import FlowRecord
from liudong.members.overdue import overdue_cutoff, silent_before

# The served rule in SQL lives once, in the migration that installs its triggers.
_SERVED_SQL = importlib.import_module("liudong.analytics.migrations.0007_served_checkins")

KEY = (
    "direction",
    "flow_scope",
    "status",
    "prefecture",
    "home_organization_id",
    "inflow_organization_id",
    "residence_organization_id",
)
Key = tuple[str, str, str, str, int | None, int | None, int | None]
# The databases whose migration installs the triggers (others: figures from the records).
TRIGGER_VENDORS = ("postgresql", "sqlite")


def answers(user: Any, flt: Any) -> bool:
    """Whether the rollup answers this view: filters it has columns for (direction,
    status) and a scope the gate draws along the organization tree (the gate's answer,
    ``core.scope.by_organization``), not a member's own records."""
    if getattr(flt, "reason", "") or getattr(flt, "period", ""):
        return False
    return by_organization(user)


def anchor_day() -> datetime.date | None:
    return FlowTallyDay.objects.filter(pk=1).values_list("day", flat=True).first()


def served_anchor() -> datetime.date | None:
    """The period start of ``FlowTally.served`` (records served on or after it count)."""
    return FlowTallyDay.objects.filter(pk=1).values_list("served_since", flat=True).first()


def served_since(today: datetime.date | None = None) -> datetime.date:
    """The first day of the contact period of "served by a station" on ``today``."""
    from liudong.analytics.figures.definitions import CONTACT_PERIOD_DAYS

    today = today or timezone.localdate()
    return today - datetime.timedelta(days=CONTACT_PERIOD_DAYS)


def _served_at(since: datetime.date | None) -> Q:
    if since is None:
        return Q(pk__in=[])
    return Q(last_served_on__gte=since)


def served_drift() -> int:
    """Records whose ``last_served_on`` differs from the rule's (0 when the triggers kept it
    exact)."""
    return _served_mend(dry=True)


def _served_mend(*, dry: bool) -> int:
    """Count (``dry``) or mend the records whose ``last_served_on`` differs from the rule
    (the migration's SQL, set-based)."""
    vendor = connection.vendor
    if vendor not in TRIGGER_VENDORS:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({_SERVED_SQL.wrong(vendor)}) w")
        found = int(cursor.fetchone()[0])
        if found and not dry:
            for statement in _SERVED_SQL.mend(vendor):
                cursor.execute(statement)
    return found


def _late(anchor: datetime.date | None) -> Q:
    """Contact overdue on the day whose cutoff is ``anchor`` (the ledger's one rule,
    :func:`liudong.members.overdue.silent_before`; the records counted here are open)."""
    if anchor is None:
        return Q(pk__in=[])
    return silent_before(anchor)


def counted_from_records(
    anchor: datetime.date | None = None, since: datetime.date | None = None
) -> dict[Key, tuple[int, int, int]]:
    """The tally as it should be: the open records counted per key (a full scan), with
    those overdue on the anchor day and those served in the period from ``since``
    (defaults: the stored ones)."""
    anchor = anchor or anchor_day()
    since = since or served_anchor()
    rows = (
        FlowRecord.objects.filter(is_open=True)
        .annotate(prefecture=Substr("destination_place_id", 1, 4))
        .values_list(*KEY)
        .annotate(
            n=Count("id"),
            overdue=Count("id", filter=_late(anchor)),
            served=Count("id", filter=_served_at(since)),
        )
        .order_by()
    )
    return {tuple(row[:-3]): tuple(row[-3:]) for row in rows}  # type: ignore[misc]


def stored() -> dict[Key, tuple[int, int, int, int]]:
    """The tally as stored: key → (row id, n, overdue, served)."""
    return {
        tuple(row[1:-3]): (row[0], *row[-3:])  # type: ignore[misc]
        for row in FlowTally.objects.values_list("pk", *KEY, "n", "overdue", "served").order_by()
    }


def drift(
    expected: dict[Key, tuple[int, int, int]], found: dict[Key, tuple[int, int, int, int]]
) -> dict[Key, tuple[int, int, int]]:
    """Keys whose stored counts differ from the records: key → stored − expected (records,
    overdue, served)."""
    out = {}
    for key in set(expected) | set(found):
        want = expected.get(key, (0, 0, 0))
        have = found.get(key, (0, 0, 0, 0))[1:]
        if tuple(have) != tuple(want):
            out[key] = tuple(h - w for h, w in zip(have, want, strict=True))
    return out  # type: ignore[return-value]


@transaction.atomic
def rebuild(
    *, by: Any, anchor: datetime.date | None = None, since: datetime.date | None = None
) -> dict[str, Any]:
    """Recount the tally from the records, mend what differs, drop rows at 0, and move the
    overdue anchor to today's cutoff (``anchor``) and the served one to today's period start
    (``since``), so the live corrections stay a day wide. The records' ``last_served_on``
    is checked and mended first (``served_mended``: how many differed from the rule).

    PostgreSQL: the tally is locked against writers (``EXCLUSIVE``; readers go on) while
    it is recounted; a ledger write waits at its trigger until this commits, then reads the
    new anchor and adds its change to the mended counts. Returns the figures of the check
    (``drift_keys``, ``drift_records``: the sum of the differences' sizes; 0 and 0 when
    the triggers kept it exact). ``by``: who asked (a job: ``core.scope.SYSTEM``, audited
    as the system).
    """
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE analytics_flowtally IN EXCLUSIVE MODE")
    # The records' last_served_on first (mended through the triggers, which count it).
    served_mended = _served_mend(dry=False)
    old_anchor, old_since = anchor_day(), served_anchor()
    # The check: the stored counts against the records, on the stored anchors.
    wrong = drift(counted_from_records(old_anchor, old_since), stored()) if old_anchor else {}
    new_anchor = anchor or overdue_cutoff()
    new_since = since or served_since()
    expected = counted_from_records(new_anchor, new_since)
    found = stored()
    zero = [pk for key, (pk, *_counts) in found.items() if key not in expected]
    with audit.action("analytics.rebuild_tally", actor=by):
        FlowTallyDay.objects.update_or_create(
            pk=1, defaults={"day": new_anchor, "served_since": new_since}
        )
        with connection.cursor() as cursor:  # plain SQL: tally rows are not audited one by one
            for start in range(0, len(zero), 500):
                chunk = zero[start : start + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM analytics_flowtally WHERE id IN ({marks})", chunk)
        new = []
        for key, (n, overdue, served) in expected.items():
            if key in found:
                pk, *was = found[key]
                if tuple(was) != (n, overdue, served):
                    FlowTally.objects.filter(pk=pk).update(n=n, overdue=overdue, served=served)
            else:
                values = dict(zip(KEY, key, strict=True))
                new.append(FlowTally(**values, n=n, overdue=overdue, served=served))
        FlowTally.objects.bulk_create(new, batch_size=1000)
        summary = {
            "keys": len(expected),
            "records": sum(n for n, _o, _s in expected.values()),
            "drift_keys": len(wrong),
            "drift_records": sum(abs(d) for d, _o, _s in wrong.values()),
            "drift_overdue": sum(abs(o) for _d, o, _s in wrong.values()),
            "drift_served": sum(abs(s) for _d, _o, s in wrong.values()),
            "served_mended": served_mended,
            "removed_rows": len(zero),
            "anchor": new_anchor.isoformat(),
            "served_since": new_since.isoformat(),
            "seconds": round(time.perf_counter() - started, 2),
        }
        if wrong or served_mended:
            audit.record("action", detail="tally drift mended: " + json.dumps(summary))
    return summary


def matches_records() -> bool:
    """True when the stored tally equals the records' and every record's
    ``last_served_on`` the rule's (tests, checks)."""
    return not drift(counted_from_records(), stored()) and served_drift() == 0


def correction_bounds(
    anchor: datetime.date | None, cutoff: datetime.date
) -> tuple[datetime.date | None, datetime.date, int] | None:
    """The records that turn the tally's overdue (on ``anchor``) into today's (before
    ``cutoff``): those whose last contact (or, never contacted, start) lies in
    [low, high), with the sign of the step (low None: no lower bound, every overdue
    record, when there is no anchor); None when the days agree."""
    if anchor is None:
        return None, cutoff, 1
    if anchor == cutoff:
        return None
    return (anchor, cutoff, 1) if anchor < cutoff else (cutoff, anchor, -1)


def correction(anchor: datetime.date | None, cutoff: datetime.date) -> tuple[list[Q], int] | None:
    """:func:`correction_bounds` as conditions on the records (each answered by one of the
    covering indexes) and the sign; None when the days agree."""
    bounds = correction_bounds(anchor, cutoff)
    if bounds is None:
        return None
    low, high, sign = bounds
    if low is None:
        return [
            Q(last_contact_on__lt=high),
            Q(last_contact_on__isnull=True, left_on__lt=high),
        ], sign
    return [
        Q(last_contact_on__gte=low, last_contact_on__lt=high),
        Q(last_contact_on__isnull=True, left_on__gte=low, left_on__lt=high),
    ], sign


def correction_sql(
    bounds: tuple[datetime.date | None, datetime.date, int], alias: str
) -> list[tuple[str, list[Any]]]:
    """:func:`correction`'s two conditions as SQL over the records' columns under
    ``alias`` (with their parameters), for statements written by hand."""
    quote, adapt = connection.ops.quote_name, connection.ops.adapt_datefield_value
    low, high, _sign = bounds
    contact, left = f"{alias}.{quote('last_contact_on')}", f"{alias}.{quote('left_on')}"
    if low is None:
        return [
            (f"{contact} < %s", [adapt(high)]),
            (f"{contact} IS NULL AND {left} < %s", [adapt(high)]),
        ]
    return [
        (f"{contact} >= %s AND {contact} < %s", [adapt(low), adapt(high)]),
        (f"{contact} IS NULL AND {left} >= %s AND {left} < %s", [adapt(low), adapt(high)]),
    ]
