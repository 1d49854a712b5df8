"""The one reader of the figures: open flow records counted by some of their dimensions.

Every figure (a dashboard's cube and rows, the report's total, the map's areas, the
stations' attached members, the co-managed count) is one call of :func:`counts`: the
dimensions it groups by, the records it selects (an organization's side, the filter, a
parent area, a few extra conditions), and rows ``(dimension values…, n, overdue)`` back.

Two sources, one statement each, written here and nowhere else:

- **the rollup** (``FlowTally``, kept by the triggers; :mod:`liudong.analytics.rollup`):
  its rows summed, the anchor day read in the same statement, then today's overdue
  correction from the records' covering indexes (about a day of records). It answers
  whenever :func:`use_rollup` says so: the filter is on its columns (direction, status;
  ``FigureFilter.rollup_answers``), the area is the destination's province or prefecture,
  and the gate draws the viewer's scope along the tree (``core.scope.by_organization``).
- **the records**, where the rollup cannot answer: the reason and period filters (served
  by ``analytics_period_idx``, migration 0004), the map's counties of a prefecture
  (``analytics_destination_idx``), the inflow members' origins (``analytics_origin_idx``),
  a member's own scope, a database without the triggers. ``COUNT(*)`` with the ledger's
  overdue rule (:mod:`liudong.members.overdue`) in the same pass.

The selection is the ORM's, through the gate (``visible_to``), compiled once per key
(:func:`liudong.core.compiled.statement`); with nothing to select by (the whole tree, a
viewer who sees everything, no filter) the tables are read whole. A record's row of a
table (dimension ``row``) is found by joining its responsible side's id to a list of
(organization, row) pairs from the tree.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet

from liudong.analytics import rollup
from liudong.analytics.figures import tree
from liudong.analytics.figures.filters import FigureFilter
from liudong.analytics.figures.served import pending_counts, pending_served, pending_sql
from liudong.analytics.figures.served import (
    served_bounds as _served_bounds,
)
from liudong.analytics.figures.served import (
    served_sql as _served_sql,
)
from liudong.analytics.models import FlowTally, FlowTallyDay
from liudong.core import compiled
from liudong.core.scope import gate_key, sees_all, visible_to
from liudong.members.models import Direction, FlowRecord
from liudong.members.overdue import overdue_cutoff
from liudong.orgs.models import Organization

DESTINATION, ORIGIN = "destination_place_id", "origin_place_id"
ROW = "row"  # the dimension: the table row (child organization) a record is attributed to
DIMENSIONS = (
    ROW,
    "direction",
    "flow_scope",
    "status",
    "prefecture",  # the destination's first 4 digits
    "province",  # the destination's first 2 digits
    "area",  # see Area
    "inflow_organization_id",
    "side",  # the responsible side's organization id (decision 95: home for outflow; for
    # inflow the county of residence, or the inflow side where the record has none)
)
# What each source's selection gives the outer statement (the records' place columns are
# added by need: an index covers only what a read names).
TALLY_COLUMNS = (
    "direction",
    "flow_scope",
    "status",
    "prefecture",
    "home_organization_id",
    "inflow_organization_id",
    "residence_organization_id",
    "n",
    "overdue",
    "served",
)
RECORD_COLUMNS = (
    "direction",
    "flow_scope",
    "status",
    DESTINATION,
    "home_organization_id",
    "inflow_organization_id",
    "residence_organization_id",
    "last_contact_on",
    "left_on",
)
SERVED = "last_served_on"  # served by a station (analytics migrations 0006, 0007)
Lookups = tuple[tuple[str, Any], ...]  # hashable ORM lookups: (("direction", "outflow"), …)


@dataclass(frozen=True)
class Area:
    """The map's areas: ``digits`` of ``place`` (destination or origin), within ``parent``
    (a code whose first ``digits - 2`` digits the place shares; "" for the provinces)."""

    place: str = DESTINATION
    digits: int = 2
    parent: str = ""

    @property
    def prefix(self) -> str:
        return self.parent[: self.digits - 2] if self.parent and self.digits > 2 else ""

    @property
    def in_rollup(self) -> bool:
        """The rollup keys the destination's prefecture: provinces and prefectures."""
        return self.place == DESTINATION and self.digits <= 4


def use_rollup(
    user: Any, flt: FigureFilter | None, wanted: bool | None = None, area: Area | None = None
) -> bool:
    """Whether figures come from the rollup rather than the records: ``wanted`` forces
    the choice where the rollup can answer (tests, benchmarks); by default whenever it can
    answer and the setting (``LIUDONG_ANALYTICS_ROLLUP``) allows it."""
    answers = rollup.answers(user, flt or FigureFilter()) and (area is None or area.in_rollup)
    if wanted is not None:
        return wanted and answers
    if not getattr(settings, "LIUDONG_ANALYTICS_ROLLUP", True):
        return False
    return connection.vendor in rollup.TRIGGER_VENDORS and answers


def sees_everything(user: Any, org: Organization, flt: FigureFilter | None) -> bool:
    """Whether the side condition and the gate select every open record and tally row:
    the only root of the tree, a viewer the gate lets see everything, no filter."""
    return tree.is_everything(org) and sees_all(user) and (flt or FigureFilter()).is_empty


def open_records(
    user: Any, org: Organization, flt: FigureFilter | None = None, *, basis: str | None = None
) -> QuerySet[FlowRecord]:
    """Open flow records counted for ``org``, through the scope gate, filtered."""
    return _selected(FlowRecord.objects.filter(is_open=True), user, org, flt, basis)


def tallies_for(
    user: Any, org: Organization, flt: FigureFilter | None = None, *, basis: str | None = None
) -> QuerySet[FlowTally]:
    """The rollup's rows counted for ``org`` (as :func:`open_records`), through the gate,
    filtered by direction and status."""
    return _selected(FlowTally.objects.exclude(n=0), user, org, flt, basis)


def _selected(
    rows: QuerySet,
    user: Any,
    org: Organization | None,
    flt: FigureFilter | None,
    basis: str | None,
    where: Lookups = (),
    exclude: Lookups = (),
) -> QuerySet:
    if org is not None:
        condition = tree.side_condition(org, basis or tree.basis_for(org))
        if condition is not None:
            rows = rows.filter(condition)
    if where:
        rows = rows.filter(**dict(where))
    if exclude:
        rows = rows.exclude(**dict(exclude))
    flt = flt or FigureFilter()
    if rows.model is FlowTally:  # the rollup has columns for direction and status only
        flt = FigureFilter(direction=flt.direction, status=flt.status)
    return flt.apply(visible_to(user, rows)).order_by()


def counts(
    user: Any,
    org: Organization | None,
    flt: FigureFilter | None,
    dimensions: Sequence[str],
    *,
    basis: str | None = None,
    children: list[Organization] | None = None,
    area: Area | None = None,
    where: Lookups = (),
    exclude: Lookups = (),
    from_rollup: bool | None = None,
    overdue: bool = True,
    read_whole: bool = True,
    served_since: datetime.date | None = None,
) -> list[tuple[Any, ...]]:
    """Open records counted by ``dimensions`` (names of :data:`DIMENSIONS`): rows of
    (their values…, n, overdue today), groups at 0 left out.

    Selected: the records counted for ``org`` (its side, ``basis``; ``org`` None: no side
    condition), through the gate, filtered by ``flt``, within ``area``'s parent, with the
    ``where``/``exclude`` lookups. ``children``: the table's rows for the ``row``
    dimension. From the rollup when :func:`use_rollup` says so (``from_rollup`` forces
    it), else from the records. ``overdue=False``: counts only (the overdue column 0);
    ``read_whole=False``: through the compiled selection even when it selects everything
    (tests compare the two). ``served_since``: each row ends with one more count, the
    records served by a station of their kind in the period from that day (the fast form
    of ``definitions.served_records``, the written rule: the records' ``last_served_on``
    on or after it, kept by the triggers of analytics migrations 0006/0007; from the rollup,
    its ``served`` counts on their period start and the day's correction; plus the records
    a pending check-in alone serves, counted at read time, :mod:`.served`)."""
    flt = flt or FigureFilter()
    basis = basis or (tree.basis_for(org) if org is not None else tree.RESPONSIBLE)
    assert ROW not in dimensions or (children is not None and basis == tree.RESPONSIBLE)
    summed = use_rollup(user, flt, from_rollup, area)
    whole = (
        read_whole
        and not (where or exclude or (area and area.prefix))
        and flt.is_empty
        and sees_all(user)
    )
    whole = whole and (org is None or (basis == tree.RESPONSIBLE and tree.is_everything(org)))
    ask = _Ask(user, org, flt, basis, area, where, exclude, whole, overdue, served_since)
    join, row = _row_join(org, children) if ROW in dimensions else ("", "")
    if summed:
        return _from_rollup(ask, dimensions, join, row)
    with tuned_for_aggregates():
        return _from_records(ask, dimensions, join, row)


@dataclass(frozen=True)
class _Ask:
    user: Any
    org: Organization
    flt: FigureFilter
    basis: str
    area: Area | None
    where: Lookups
    exclude: Lookups
    whole: bool  # every row of the table: nothing to compile
    overdue: bool
    served_since: datetime.date | None = None  # also count the records served since then

    def source(
        self, model: type[FlowTally] | type[FlowRecord], join: str, pending: bool = False
    ) -> tuple[str, list[Any]] | None:
        """What follows ``FROM``: the selection as ``t`` (then ``join``) and a ``WHERE``
        open for more conditions, with its parameters; None when it selects nothing."""
        quote = connection.ops.quote_name
        tally = model is FlowTally
        if self.whole and not pending:
            table = quote(model._meta.db_table)
            kept = f"t.{quote('n')} <> 0" if tally else f"t.{quote('is_open')}"
            return f"{table} t{join} WHERE {kept}", []
        columns = TALLY_COLUMNS if tally else self.record_columns
        key = (
            "analytics.reader",
            model._meta.db_table,
            gate_key(self.user),
            self.org.pk if self.org else None,
            self.org.path if self.org else None,
            self.basis if self.org else None,
            tuple(tree.subtree_ids(self.org)) if self.org else (),
            self.flt,
            self.area.place if self.area else None,
            self.area.prefix if self.area else "",
            self.where,
            self.exclude,
            columns,
            pending,
        )
        found = compiled.statement(
            key, lambda: self.selection(model, pending).values_list(*columns)
        )
        if found.sql is None:  # an empty id list, a scope of none
            return None
        return f"({found.sql}) t{join} WHERE 1 = 1", list(found.params)

    @property
    def record_columns(self) -> tuple[str, ...]:
        columns = (*RECORD_COLUMNS, SERVED) if self.served_since else RECORD_COLUMNS
        if self.area and self.area.place != DESTINATION:
            return (*columns, self.area.place)
        return columns

    def selection(
        self, model: type[FlowTally] | type[FlowRecord], pending: bool = False
    ) -> QuerySet:
        """``pending``: only the records with a pending check-in (:mod:`.served`)."""
        if model is FlowTally:
            rows: QuerySet = FlowTally.objects.exclude(n=0)
            place = "prefecture"
        else:
            rows = FlowRecord.objects.filter(is_open=True)
            rows = rows.filter(pending_served()) if pending else rows
            place = self.area.place if self.area else DESTINATION
        rows = _selected(rows, self.user, self.org, self.flt, self.basis, self.where, self.exclude)
        prefix = self.area.prefix if self.area else ""
        if prefix:  # a range on the code, which the indexes serve (LIKE may not)
            after = str(int(prefix) + 1).zfill(len(prefix))
            rows = rows.filter(**{f"{place}__gte": prefix, f"{place}__lt": after})
        return rows


def _expressions(dimensions: Sequence[str], tally: bool, area: Area | None, row: str) -> list[str]:
    quote = connection.ops.quote_name
    prefecture = "t." + quote("prefecture") if tally else f"SUBSTR(t.{quote(DESTINATION)}, 1, 4)"
    found = []
    for name in dimensions:
        if name == ROW:
            found.append(row)
        elif name == "side":
            found.append(_side())
        elif name == "prefecture":
            found.append(prefecture)
        elif name == "province":
            found.append(f"SUBSTR({prefecture}, 1, 2)")
        elif name == "area":
            area = area or Area()
            column = prefecture if tally else f"t.{quote(area.place)}"
            found.append(f"SUBSTR({column}, 1, {int(area.digits)})")
        else:
            assert name in DIMENSIONS, name
            found.append(f"t.{quote(name)}")
    return found


def _row_join(org: Organization | None, children: list[Organization] | None) -> tuple[str, str]:
    """The join that finds a record's (or tally row's) table row, and its column."""
    owner = tree.row_owner(org, children or []) if org is not None else {}
    if not owner:
        return "", "CAST(NULL AS INTEGER)"
    pairs = ", ".join(f"({int(pk)}, {int(row)})" for pk, row in sorted(owner.items()))
    return f" LEFT JOIN (VALUES {pairs}) o ON o.column1 = {_side()}", "o.column2"


def _side() -> str:
    """SQL: the responsible side's organization id of ``t`` (decisions 21 and 95): the home
    organization of an outflow record; the county of residence of an inflow record, or its
    inflow side where it has none (a place without a county committee here)."""
    quote = connection.ops.quote_name
    return (
        f"CASE t.{quote('direction')} WHEN '{Direction.OUTFLOW}' "
        f"THEN t.{quote('home_organization_id')} WHEN '{Direction.INFLOW}' "
        f"THEN COALESCE(t.{quote('residence_organization_id')}, "
        f"t.{quote('inflow_organization_id')}) END"
    )


def _grouping(expressions: list[str]) -> str:
    return f" GROUP BY {', '.join(expressions)}" if expressions else ""


def _from_rollup(
    ask: _Ask, dimensions: Sequence[str], join: str, row: str
) -> list[tuple[Any, ...]]:
    """The tally's rows summed, the anchor days in the same statement (so a nightly rebuild
    cannot fall between), then the corrections from the records' covering indexes: overdue
    (between the anchor and today's cutoff) and, asked, served (between the served period
    start and ``ask.served_since``)."""
    quote = connection.ops.quote_name
    width = len(dimensions)
    exprs = _expressions(dimensions, True, ask.area, row)
    selected = ask.source(FlowTally, join)
    if selected is None:
        return []
    source, params = selected
    day = quote(FlowTallyDay._meta.db_table)
    picked = "".join(f"{e}, " for e in exprs)
    served = ask.served_since is not None
    # The anchor days, when the overdue or served counts are wanted: read with the counts.
    anchors = [quote("day")] * ask.overdue + [quote("served_since")] * served
    extra = "".join(f", SUM(t.{quote('served')})" for _ in range(served)) + "".join(
        f", (SELECT {a} FROM {day} WHERE {quote('id')} = 1)" for a in anchors
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {picked}SUM(t.{quote('n')}), SUM(t.{quote('overdue')}){extra} "
            f"FROM {source}{_grouping(exprs)}",
            params,
        )
        found = cursor.fetchall()
        totals: dict[tuple[Any, ...], list[int]] = {
            tuple(r[:width]): [
                r[width] or 0,
                (r[width + 1] or 0) if ask.overdue else 0,
                (r[width + 2] or 0) if served else 0,
            ]
            for r in found
        }
        first = width + 2 + served  # where the anchor days start
        fixes: list[tuple[int, tuple[datetime.date | None, datetime.date, int]]] = []
        if ask.overdue:
            anchor = _day(found[0][first]) if found else rollup.anchor_day()
            bounds = rollup.correction_bounds(anchor, overdue_cutoff())
            if bounds is not None:
                fixes.append((1, bounds))
        if served:
            since = _day(found[0][first + ask.overdue]) if found else rollup.served_anchor()
            bounds = _served_bounds(since, ask.served_since)
            if bounds is not None:
                if bounds[0] is None:  # no period start stored: every served record
                    for counts in totals.values():
                        counts[2] = 0
                fixes.append((2, bounds))
        selected = ask.source(FlowRecord, join) if fixes else None
        statements, fix_params = [], []
        exprs = _expressions(dimensions, False, ask.area, row)
        if selected is not None:
            source, params = selected
            picked = "".join(f"{e}, " for e in exprs)
            # One statement: each part is answered from its own covering index; its first
            # column names the count it corrects (1 overdue, 2 served) with the step's sign.
            for slot, bounds in fixes:
                halves = rollup.correction_sql(bounds, "t") if slot == 1 else _served_sql(bounds)
                for condition, condition_params in halves:
                    statements.append(
                        f"SELECT {slot * bounds[2]}, {picked}COUNT(*) FROM {source} "
                        f"AND {condition}{_grouping(exprs)}"
                    )
                    fix_params += params + condition_params
        # The records a pending check-in alone serves: added to the served counts (2), one
        # more part of the same statement (decision 204: a round trip fewer).
        pending = ask.source(FlowRecord, join, pending=True) if served else None
        if pending is not None:
            sql, pending_params = pending_sql(*pending, exprs, ask.served_since, first="2")
            statements.append(sql)
            fix_params += pending_params
        if statements:
            cursor.execute(" UNION ALL ".join(statements), fix_params)
            for step, *key, n in cursor.fetchall():
                totals.setdefault(tuple(key), [0, 0, 0])[abs(step)] += n if step > 0 else -n
    return [
        (*key, n, overdue, *([served_n] if served else []))
        for key, (n, overdue, served_n) in totals.items()
        if n
    ]


def _day(value: Any) -> datetime.date | None:
    """A date read from a subquery (SQLite gives it as text)."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _from_records(
    ask: _Ask, dimensions: Sequence[str], join: str, row: str
) -> list[tuple[Any, ...]]:
    """The records counted, the overdue rule in the same pass (today's cutoff)."""
    width = len(dimensions)
    exprs = _expressions(dimensions, False, ask.area, row)
    selected = ask.source(FlowRecord, join)
    if selected is None:
        return []
    source, params = selected
    halves = rollup.correction_sql((None, overdue_cutoff(), 1), "t") if ask.overdue else []
    late = " OR ".join(f"({condition})" for condition, _p in halves) or "1 = 0"
    late_params = [p for _c, condition_params in halves for p in condition_params]
    picked = "".join(f"{e}, " for e in exprs)
    served, served_params = "", []
    if ask.served_since is not None:
        column = f"t.{connection.ops.quote_name(SERVED)}"
        served = f", SUM(CASE WHEN {column} >= %s THEN 1 ELSE 0 END)"
        served_params = [connection.ops.adapt_datefield_value(ask.served_since)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {picked}COUNT(*), SUM(CASE WHEN {late} THEN 1 ELSE 0 END){served} "
            f"FROM {source}{_grouping(exprs)}",
            late_params + served_params + params,
        )
        found = cursor.fetchall()
    added = _pending(ask, dimensions, join, row)
    found = [(*r[:width], r[width], *(c or 0 for c in r[width + 1 :])) for r in found if r[width]]
    return [r[:-1] + (r[-1] + added[r[:width]],) if r[:width] in added else r for r in found]


def _pending(ask: _Ask, dimensions: Sequence[str], join: str, row: str) -> dict[tuple, int]:
    """Served counts asked: the selection's records served by a pending check-in only."""
    selected = ask.source(FlowRecord, join, pending=True) if ask.served_since else None
    if selected is None:
        return {}
    exprs = _expressions(dimensions, False, ask.area, row)
    return pending_counts(*selected, exprs, ask.served_since)


@contextmanager
def tuned_for_aggregates() -> Iterator[None]:
    """PostgreSQL: enough work_mem to hash the groups (its estimate of the groups is far too
    high, so it would sort a million rows on disk) and no JIT (compiling costs more than it
    saves for one pass). Local to a transaction; other databases: nothing."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL jit = off")
        yield


def total(rows: list[tuple[Any, ...]]) -> int:
    """The records counted in :func:`counts`'s rows."""
    return sum(r[-2] for r in rows)
