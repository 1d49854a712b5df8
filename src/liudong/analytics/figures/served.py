"""The reader's corrections of "served by a station": the days between the tally's period
start and the asked one, and the records served by a pending check-in, counted at read
time (decisions 128–129).

A record's ``last_served_on`` (analytics migration 0007) counts its attachment, a
confirmed check-in and its contacts, not a pending check-in: a member's new check-in, the
hottest write, then touches neither the record nor the tally. The written rule
(:mod:`liudong.analytics.figures.definitions`) still counts a pending check-in, so a
served count from ``last_served_on`` adds the open records, under the same selection,
with a pending check-in at an open station of their kind and not otherwise served
(``last_served_on`` before the period start, or none). Pending check-ins are few at any
time (staff answer them): the partial index ``stations_checkin_pending_idx`` finds them and
the records' primary key the rest.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.db.models import Case, Q, Value, When

from liudong.members.models import Direction
from liudong.stations.models import CheckIn, CheckInStatus, StationKind, StationStatus


def pending_served() -> Q:
    """Records with a pending check-in at an open station of their kind (liaison:
    outflow, service: inflow); one uncorrelated subquery the database runs once."""
    kind = Case(
        When(flow__direction=Direction.OUTFLOW, then=Value(StationKind.LIAISON)),
        When(flow__direction=Direction.INFLOW, then=Value(StationKind.SERVICE)),
    )
    pending = CheckIn.objects.filter(
        status=CheckInStatus.PENDING, station__status=StationStatus.OPEN, station__kind=kind
    )
    return Q(pk__in=pending.values("flow_id"))


def pending_counts(
    source: str, params: list[Any], exprs: list[str], since: datetime.date
) -> dict[tuple[Any, ...], int]:
    """The records of ``source`` (the reader's selection of the records with a pending
    check-in, as ``t`` and an open ``WHERE``) not served on ``since`` by their
    ``last_served_on``, counted by ``exprs``: one statement."""
    sql, sql_params = pending_sql(source, params, exprs, since)
    with connection.cursor() as cursor:
        cursor.execute(sql, sql_params)
        return {tuple(r[:-1]): r[-1] for r in cursor.fetchall()}


def pending_sql(
    source: str, params: list[Any], exprs: list[str], since: datetime.date, first: str = ""
) -> tuple[str, list[Any]]:
    """:func:`pending_counts`'s statement (``first``: SQL of a first column, for a reader
    that reads it as one part of a ``UNION ALL``)."""
    column = f"t.{connection.ops.quote_name('last_served_on')}"
    grouping = f" GROUP BY {', '.join(exprs)}" if exprs else ""
    picked = "".join(f"{e}, " for e in (first, *exprs) if e)
    return (
        f"SELECT {picked}COUNT(*) FROM {source} AND ({column} IS NULL OR {column} < %s){grouping}",
        [*params, connection.ops.adapt_datefield_value(since)],
    )


def served_bounds(
    anchor: datetime.date | None, since: datetime.date
) -> tuple[datetime.date | None, datetime.date, int] | None:
    """The records that turn the tally's served counts (period from ``anchor``) into the
    ones from ``since``: ``last_served_on`` in [low, high) with the sign of the step (low
    None: every record served since ``high``, when no period start is stored); None when
    the days agree."""
    if anchor is None:
        return None, since, 1
    if anchor == since:
        return None
    return (anchor, since, -1) if anchor < since else (since, anchor, 1)


def served_sql(
    bounds: tuple[datetime.date | None, datetime.date, int],
) -> list[tuple[str, list[Any]]]:
    """:func:`served_bounds` as SQL over ``t`` (``analytics_served_idx`` answers it)."""
    quote, adapt = connection.ops.quote_name, connection.ops.adapt_datefield_value
    column = f"t.{quote('last_served_on')}"
    low, high, _sign = bounds
    if low is None:
        return [(f"{column} >= %s", [adapt(high)])]
    return [(f"{column} >= %s AND {column} < %s", [adapt(low), adapt(high)])]
