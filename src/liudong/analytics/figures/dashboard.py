"""One organization's dashboard: every figure the page, the API and the cards show.

From one read of :mod:`.reader` (the rollup when it answers, else the records): the rows,
the totals, the scopes and the areas of a county-level body's dashboard; the cube
(direction, scope, status, province) of a station's.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from liudong.analytics import rollup
from liudong.analytics.figures import definitions, reader, tree
from liudong.analytics.figures.coverage import (
    INFLOW_KEY,
    SCOPE_KEYS,
    Coverage,
    Tally,
    coverage_figures,
)
from liudong.analytics.figures.filters import FigureFilter
from liudong.analytics.figures.rows import ROW_DIMENSIONS, OrgRow, grouped, org_rows
from liudong.analytics.figures.stations import StationFigures, own_station, stations_in
from liudong.analytics.figures.targets import Target, target_for
from liudong.core import compiled
from liudong.core.scope import gate_key, visible_to
from liudong.members.models import Alert, Direction
from liudong.orgs.models import Organization


@dataclass
class Dashboard:
    """Every figure of one organization's dashboard (cards read from here)."""

    organization: Organization
    basis: str
    filters: FigureFilter
    today: datetime.date
    tallies: dict[str, Tally]
    by_scope: dict[str, Tally]
    by_province: dict[str, Tally]
    liaison_catchment: Tally  # served by the liaison stations (definitions.served's count)
    service_catchment: Tally  # served by the service stations
    co_managed: int
    stations: list[StationFigures]
    alerts: dict[str, int]
    target: Target
    rows: list[OrgRow]
    rows_total: OrgRow | None
    # The census figure (issue 12, item 3): people found by the most recent complete round.
    census: dict[str, Any] | None = None

    @property
    def members_found(self) -> int:
        """People found by the latest complete census round (in this organization); the
        open records (在册, ``members_open``) when no round is complete yet."""
        if self.census is None:
            return self.tallies["all"].total
        return int(self.census["members_found"])

    @property
    def coverage(self) -> list[Coverage]:
        return coverage_figures(self.tallies, self.target)

    @property
    def stations_by_kind(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for s in self.stations:
            counts[s.kind] += 1
        return dict(counts)

    def station_cities(self, kind: str) -> list[tuple[str, str, int]]:
        """(city code, name, stations of that kind there), most stations first."""
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for s in self.stations:
            if s.kind == kind:
                counts[(s.city_code, s.city_short)] += 1
        return sorted(((c, n, k) for (c, n), k in counts.items()), key=lambda r: (-r[2], r[0]))

    def as_dict(self) -> dict[str, Any]:
        from liudong.regions.queries import place_names

        names = place_names()
        return {
            "organization": {"code": self.organization.code, "name": self.organization.name},
            "basis": self.basis,
            "filters": self.filters.params(),
            "day": self.today.isoformat(),
            "members_found": self.members_found,
            "members_open": self.tallies["all"].total,
            "members_found_round": self.census,
            "totals": {k: t.as_dict() for k, t in self.tallies.items()},
            "by_scope": {k: t.as_dict() for k, t in self.by_scope.items()},
            "coverage": [c.as_dict() for c in self.coverage],
            "target": self.target.as_dict(),
            "outflow_under_liaison_stations": self.liaison_catchment.total,
            "inflow_under_service_stations": self.service_catchment.total,
            "definitions": definitions.as_dicts(),
            "co_managed_at_our_stations": self.co_managed,
            "stations": {
                "total": len(self.stations),
                "by_kind": self.stations_by_kind,
                "liaison_cities": [
                    {"city": c, "name": n, "stations": k}
                    for c, n, k in self.station_cities("liaison")
                ],
                "list": [s.as_dict() for s in self.stations],
            },
            "alerts": self.alerts,
            "by_province": {
                code: {"name": names(code + "0000")[0], **t.as_dict()}
                for code, t in sorted(self.by_province.items())
            },
            "rows": [r.as_dict() for r in self.rows],
            "rows_total": self.rows_total.as_dict() if self.rows_total else None,
        }


def dashboard(
    user: Any,
    org: Organization,
    flt: FigureFilter | None = None,
    *,
    today: datetime.date | None = None,
    with_rows: bool = True,
    from_rollup: bool | None = None,
) -> Dashboard:
    """Compute one organization's dashboard (uncached; see :func:`cached_dashboard`).

    From the rollup when it answers (see :func:`use_rollup`; ``from_rollup`` forces the
    choice), else from one scan of the records."""
    with tree.figures_memo():
        return _dashboard(user, org, flt, today, with_rows, from_rollup)


def _dashboard(
    user: Any,
    org: Organization,
    flt: FigureFilter | None,
    today: datetime.date | None,
    with_rows: bool,
    from_rollup: bool | None,
) -> Dashboard:
    flt = flt or FigureFilter()
    today = today or timezone.localdate()
    basis = tree.basis_for(org)
    tree.read_tree(org)
    summed = reader.use_rollup(user, flt, from_rollup)
    # The stations' members are not filtered: the rollup answers them whatever the filter.
    stations_summed = reader.use_rollup(user, None, from_rollup)
    rows, rows_total = ([], None)
    # Served by the stations: the relationship the definition names, not the destination;
    # its fast form, counted in the same read (the records' last_served_on, in the rollup;
    # decision 125).
    since = rollup.served_since(today)
    if basis == tree.RESPONSIBLE:
        # One read answers everything: the rows, the totals, the scopes and the areas.
        children = tree.child_rows_of(org)
        row_data = reader.counts(
            user,
            org,
            flt,
            ROW_DIMENSIONS,
            basis=basis,
            children=children,
            from_rollup=summed,
            served_since=since,
        )
        liaison, service = _served(row_data, 1, 3)
        row_data = [r[:-1] for r in row_data]
        sums, cube = grouped(row_data, tree.home_province())
        if with_rows:
            rows, rows_total = org_rows(user, org, flt, today=today, data=row_data, sums=sums)
        stations = stations_in(user, org, from_rollup=stations_summed)
    else:
        cube = reader.counts(
            user,
            org,
            flt,
            ("direction", "flow_scope", "status", "province"),  # as ROW_DIMENSIONS
            basis=basis,
            from_rollup=summed,
            served_since=since,
        )
        liaison, service = _served(cube, 0, 2)
        cube = [r[:-1] for r in cube]
        stations = own_station(user, org, from_rollup=stations_summed)
    # One pass over the cube's rows fills every tally of the page.
    province = tree.home_province()
    tallies = {k: Tally() for k in ("all", "in_province", "out_of_province", "outflow", "inflow")}
    by_scope = {key: Tally() for key in SCOPE_KEYS}
    by_province: dict[str, Tally] = defaultdict(Tally)
    for direction, scope, status, area, n, overdue in cube:  # area: a province's code
        tallies["all"].add(status, n, overdue)
        if direction == Direction.OUTFLOW:
            # Coverage in and out of province: the organization's own outflow members only
            # (the written definitions, analytics.figures.definitions).
            side = "in_province" if area.startswith(province) else "out_of_province"
            tallies[side].add(status, n, overdue)
            tallies["outflow"].add(status, n, overdue)
            by_scope.setdefault(scope, Tally()).add(status, n, overdue)
            by_province[area[:2]].add(status, n, overdue)
        elif direction == Direction.INFLOW:
            tallies["inflow"].add(status, n, overdue)
    by_scope[INFLOW_KEY] = tallies["inflow"]
    return Dashboard(
        organization=org,
        basis=basis,
        filters=flt,
        today=today,
        tallies=tallies,
        by_scope=by_scope,
        by_province=dict(by_province),
        liaison_catchment=liaison,
        service_catchment=service,
        co_managed=_co_managed(user, org, flt, summed) if basis == tree.RESPONSIBLE else 0,
        stations=stations,
        alerts=_alerts(user, org),
        target=(
            rows_total.target
            if rows_total is not None and rows_total.target is not None
            else target_for(org, today.year, today.month)
        ),
        rows=rows,
        rows_total=rows_total,
        census=census_found(user, org),
    )


def served_tallies(
    user: Any,
    org: Organization,
    flt: FigureFilter | None,
    today: datetime.date,
    *,
    from_rollup: bool | None = None,
) -> tuple[Tally, Tally]:
    """The outflow served by the liaison stations and the inflow served by the service
    stations on ``today``, by status: :func:`definitions.served` (the written rule) in
    its fast form, the last count of :func:`reader.counts` (``served_since``); the
    dashboard reads them with its cube."""
    found = reader.counts(
        user,
        org,
        flt,
        ("direction", "status"),
        from_rollup=reader.use_rollup(user, flt, from_rollup),
        overdue=False,
        served_since=rollup.served_since(today),
    )
    return _served(found, 0, 1)


def _served(rows: list[tuple[Any, ...]], direction: int, status: int) -> tuple[Tally, Tally]:
    """The served counts (each row's last value) of :func:`reader.counts`'s rows by
    kind: (outflow served by the liaison stations, inflow by the service stations)."""
    liaison, service = Tally(), Tally()
    for r in rows:
        if r[-1]:
            if r[direction] == Direction.OUTFLOW:
                liaison.add(r[status], r[-1])
            elif r[direction] == Direction.INFLOW:
                service.add(r[status], r[-1])
    return liaison, service


def census_found(user: Any, org: Organization) -> dict[str, Any] | None:
    """The latest complete census round and the people it found within ``org`` (counties
    under it; below a county, the found people whose home or receiving side is in it)."""
    from liudong.census import queries as census

    latest = census.latest_complete_round()
    if latest is None:
        return None
    found = census.members_found(user, latest.pk, org_path=org.path)
    return {"id": latest.pk, "name": latest.name, "members_found": found}


def _co_managed(user: Any, org: Organization, flt: FigureFilter, from_rollup: bool) -> int:
    """Members attached to stations in this subtree whom the totals count elsewhere: other
    organizations' outflow members, and inflow members living in another county
    (decision 95)."""
    if tree.is_everything(org):
        return 0
    ids = tuple(tree.subtree_ids(org))
    outflow = reader.counts(
        user,
        None,
        flt,
        (),
        where=(("direction", Direction.OUTFLOW), ("inflow_organization_id__in", ids)),
        exclude=(("home_organization_id__in", ids),),
        from_rollup=from_rollup,
        overdue=False,
    )
    inflow = reader.counts(
        user,
        None,
        flt,
        (),
        where=(
            ("direction", Direction.INFLOW),
            ("inflow_organization_id__in", ids),
            ("residence_organization_id__isnull", False),
        ),
        exclude=(("residence_organization_id__in", ids),),
        from_rollup=from_rollup,
        overdue=False,
    )
    return reader.total(outflow) + reader.total(inflow)


def _alerts(user: Any, org: Organization) -> dict[str, int]:
    """Open alerts by kind, for the organizations of the subtree (the responsible side)."""
    everything = tree.is_everything(org)
    ids = () if everything else tuple(tree.subtree_ids(org))

    def build() -> QuerySet:
        alerts = Alert.objects.filter(resolved=False)
        if not everything:
            alerts = alerts.filter(organization_id__in=ids)
        return visible_to(user, alerts).values_list("kind").annotate(n=Count("id")).order_by()

    return dict(compiled.rows(("analytics.alerts", gate_key(user), everything, ids), build))
