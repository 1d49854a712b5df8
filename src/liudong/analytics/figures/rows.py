"""Rows per organization: the coverage table, the monthly report, the snapshots."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liudong.analytics.figures import reader, tree
from liudong.analytics.figures.coverage import SCOPE_KEYS, Coverage, Tally
from liudong.analytics.figures.filters import FigureFilter
from liudong.analytics.figures.stations import open_stations
from liudong.analytics.figures.targets import Target, targets_for
from liudong.core import compiled
from liudong.core.scope import gate_key, sees_all, visible_to
from liudong.members.models import Direction
from liudong.orgs.models import Organization, OrgKind

# The dimensions of a table's figures: row, direction, scope, status, province. What a
# table, a dashboard and the map's per-province counts show is in or out of the home
# province and which province: read by province, not by prefecture, the database sums a
# tenth of the groups it did and Python adds them up (decision 204).
ROW_DIMENSIONS = (reader.ROW, "direction", "flow_scope", "status", "province")
RowData = list[tuple[Any, ...]]  # (row key, direction, scope, status, province, n, overdue)
# [n, overdue] by (row key, direction, scope, status, in province)
RowSums = dict[tuple[Any, str, str, str, bool], list[int]]


@dataclass
class OrgRow:
    """One row of the per-organization tables: a child organization and its figures."""

    organization: Organization | None  # None: records attributed directly to the parent
    label: str
    all: Tally = field(default_factory=Tally)
    in_province: Tally = field(default_factory=Tally)
    out_of_province: Tally = field(default_factory=Tally)
    outflow: dict[str, Tally] = field(default_factory=lambda: {k: Tally() for k in SCOPE_KEYS})
    inflow: Tally = field(default_factory=Tally)
    stations: int = 0
    branches: int = 0
    target: Target | None = None

    @property
    def code(self) -> str:
        return self.organization.code if self.organization else ""

    def add(
        self, direction: str, scope: str, status: str, in_province: int, n: int, overdue: int
    ) -> None:
        self.all.add(status, n, overdue)
        if direction == Direction.INFLOW:
            self.inflow.add(status, n, overdue)  # inflow coverage is a figure of its own
        else:
            (self.in_province if in_province else self.out_of_province).add(status, n, overdue)
            self.outflow.setdefault(scope, Tally()).add(status, n, overdue)

    def merge(self, other: OrgRow) -> None:
        self.all.merge(other.all)
        self.in_province.merge(other.in_province)
        self.out_of_province.merge(other.out_of_province)
        self.inflow.merge(other.inflow)
        for key, tally in other.outflow.items():
            self.outflow.setdefault(key, Tally()).merge(tally)
        self.stations += other.stations
        self.branches += other.branches

    @property
    def coverage_in(self) -> Coverage:
        target = self.target.in_province if self.target else None
        return Coverage("in_province", _("In province"), self.in_province, target)

    @property
    def coverage_out(self) -> Coverage:
        target = self.target.out_of_province if self.target else None
        return Coverage("out_of_province", _("Out of province"), self.out_of_province, target)

    def as_dict(self) -> dict[str, Any]:
        return {
            "organization": self.code,
            "label": self.label,
            "found": self.all.total,
            "outflow": {k: t.total for k, t in self.outflow.items()},
            "inflow": self.inflow.total,
            "managed": self.all.managed,
            "coverage": self.all.coverage,
            "in_province": self.coverage_in.as_dict(),
            "out_of_province": self.coverage_out.as_dict(),
            "lost": self.all.lost,
            "overdue": self.all.overdue,
            "stations": self.stations,
            "branches": self.branches,
        }


def org_rows(
    user: Any,
    org: Organization,
    flt: FigureFilter | None = None,
    *,
    today: datetime.date | None = None,
    data: RowData | None = None,
    from_rollup: bool | None = None,
    sums: RowSums | None = None,
) -> tuple[list[OrgRow], OrgRow]:
    """One row per child organization (see :func:`child_rows_of`) and the totals row.

    Without ``data`` (the report) the totals row comes from a query of its own, without
    the rows' attribution, so checking it against the sum of the rows means something.
    With ``data`` (the dashboard's single query) the total is the sum of the rows;
    ``sums``: ``data`` already summed (see :func:`grouped`).
    """
    today = today or timezone.localdate()
    children = tree.child_rows_of(org)
    independent = data is None
    if independent:
        data = reader.counts(
            user,
            org,
            flt,
            ROW_DIMENSIONS,
            basis=tree.RESPONSIBLE,
            children=children,
            from_rollup=from_rollup,
        )
    by_id: dict[int, OrgRow] = {c.pk: OrgRow(c, c.short_name or c.name) for c in children}
    direct = OrgRow(None, str(_("Directly under %(name)s") % {"name": org.short_name or org.name}))
    total = OrgRow(org, str(_("Total")))
    province = tree.home_province()
    if sums is None:
        sums = grouped(data, province)[0]
    whole_sums: dict[tuple[str, str, str, bool], list[int]] = {}
    for (key, direction, scope, status, in_province), (n, overdue) in sums.items():
        (by_id.get(key) or direct).add(direction, scope, status, int(in_province), n, overdue)
        if not independent:  # the total: the rows' groups summed again, then filled once
            slot = whole_sums.get((direction, scope, status, in_province))
            if slot is None:
                whole_sums[(direction, scope, status, in_province)] = [n, overdue]
            else:
                slot[0] += n
                slot[1] += overdue
    for (direction, scope, status, in_province), (n, overdue) in whole_sums.items():
        total.add(direction, scope, status, int(in_province), n, overdue)
    if independent:  # the same records by province: one more read, no rows' attribution
        whole = reader.counts(
            user,
            org,
            flt,
            ("direction", "flow_scope", "status", "province"),
            basis=tree.RESPONSIBLE,
            from_rollup=from_rollup,
        )
        for direction, scope, status, prefix, n, overdue in whole:
            total.add(direction, scope, status, int(prefix.startswith(province)), n, overdue)
    stations, branches = _stations_and_branches(user, org, children)
    for child in children:
        by_id[child.pk].stations = stations.get(child.pk, 0)
        by_id[child.pk].branches = branches.get(child.pk, 0)
    total.stations = sum(stations.values())  # the parent's own (key None) included
    total.branches = sum(branches.values())
    direct.stations, direct.branches = stations.get(None, 0), branches.get(None, 0)
    targets = targets_for([*children, org], today.year, today.month)
    for child in children:
        by_id[child.pk].target = targets[child.pk]
    direct.target = total.target = targets[org.pk]
    rows = [by_id[c.pk] for c in children]
    if direct.all.total or direct.stations or direct.branches:
        rows.append(direct)
    return rows, total


def grouped(data: RowData, province: str) -> tuple[RowSums, list[tuple[Any, ...]]]:
    """One pass over the rows' data: summed by what a table row shows (row, direction,
    scope, status, in province) for :func:`org_rows`, and over the row key, the cube's
    rows (direction, scope, status, province, n, overdue). Hundreds of rows become a few
    dozen additions per tally. (A prefecture's code in place of the province's folds the
    same way.)"""
    sums: RowSums = {}
    merged: dict[tuple[str, str, str, str], list[int]] = {}
    for key, direction, scope, status, prefecture, n, overdue in data:
        group = (key, direction, scope, status, prefecture.startswith(province))
        slot = sums.get(group)
        if slot is None:
            sums[group] = [n, overdue]
        else:
            slot[0] += n
            slot[1] += overdue
        cell = (direction, scope, status, prefecture)
        slot = merged.get(cell)
        if slot is None:
            merged[cell] = [n, overdue]
        else:
            slot[0] += n
            slot[1] += overdue
    return sums, [(*cell, n, overdue) for cell, (n, overdue) in merged.items()]


def _stations_and_branches(
    user: Any, org: Organization, children: list[Organization]
) -> tuple[dict[int | None, int], dict[int | None, int]]:
    """Open stations run by, and mobile branches under, each child (None: the parent)."""

    owner = tree.row_owner(org, children)
    org_ids = set(tree.subtree_ids(org))
    stations: dict[int | None, int] = defaultdict(int)
    for station in open_stations(user, org):
        if station.organization_id in org_ids:
            stations[owner.get(station.organization_id)] += 1
    branches: dict[int | None, int] = defaultdict(int)
    if sees_all(user):  # the gate lets every one through
        mobile = [o.pk for o in tree.subtree(org) if o.kind == OrgKind.MOBILE_BRANCH and o.active]
    else:
        ids = tree.subtree_ids(org)
        mobile = [
            pk
            for (pk,) in compiled.rows(
                ("analytics.mobile_branches", gate_key(user), tuple(ids)),
                lambda: visible_to(
                    user,
                    Organization.objects.filter(
                        kind=OrgKind.MOBILE_BRANCH, active=True, pk__in=ids
                    ),
                ).values_list("pk"),
            )
        ]
    for pk in mobile:
        branches[owner.get(pk)] += 1
    return stations, branches
