"""Stations in the figures: the open stations of a subtree and their members (who a station
serves is written in ``analytics.figures.definitions``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import Q, QuerySet

from liudong.analytics.figures import reader, tree
from liudong.core import compiled
from liudong.core.scope import gate_key, visible_to
from liudong.orgs.models import Organization


@dataclass
class StationFigures:
    pk: int
    code: str
    name: str
    kind: str
    kind_label: str
    city_code: str
    city_name: str
    city_short: str
    lng: float
    lat: float
    branch_code: str
    attached: int = 0  # stations.queries.station_members: the one definition
    managed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "city": self.city_code,
            "city_name": self.city_name,
            "city_short": self.city_short,
            "lng": self.lng,
            "lat": self.lat,
            "branch": self.branch_code,
            "attached": self.attached,
            "managed": self.managed,
        }


def stations_in(user: Any, org: Organization, *, from_rollup: bool = False) -> list[StationFigures]:
    """Open stations run in (or being) the organization's subtree, with their members
    (attached and managed: ``stations.queries.station_members``, the one definition the
    station pages and the API use; counted from the rollup when ``from_rollup``)."""
    from liudong.regions.queries import place_names
    from liudong.stations import queries as station_queries
    from liudong.stations.models import StationKind

    stations = open_stations(user, org)
    names = place_names()  # the cities' names from the in-memory index of places
    labels = {str(kind): str(kind.label) for kind in StationKind}  # translated once
    result = []
    for s in stations:
        city = s.place_id[:4] + "00"
        full_name, short_name = names(city)
        result.append(
            StationFigures(
                s.pk,
                s.code,
                s.name,
                s.kind,
                labels.get(s.kind, s.kind),
                city,
                full_name,
                city if short_name is None else short_name,
                s.lng,
                s.lat,
                s.branch_code or "",
            )
        )
    branch_to = {s.branch_id: f for s, f in zip(stations, result, strict=True) if s.branch_id}
    if branch_to:
        branches = tuple(branch_to)

        if from_rollup:  # the same records' counts, kept by the triggers
            counts = [
                (branch, status, n)
                for branch, status, n, _overdue in reader.counts(
                    user,
                    None,
                    None,
                    ("inflow_organization_id", "status"),
                    where=(("inflow_organization_id__in", branches),),
                    from_rollup=True,
                    overdue=False,
                )
            ]
        else:
            counts = compiled.rows(
                ("analytics.attached", gate_key(user), branches),
                lambda: station_queries.attached_counts(user, branches),
            )
        members = station_queries.station_members(user, branches, counts)
        for branch_id, figures in branch_to.items():
            figures.attached = members[branch_id].attached
            figures.managed = members[branch_id].managed
    return result


def open_stations(user: Any, org: Organization) -> list[Any]:
    """Open stations run in, or attached to a branch in, the organization's subtree, through
    the gate, by code (with their branch): read once per answer."""
    return tree.memo(("open_stations", id(user), org.pk), lambda: _read_open_stations(user, org))


class OpenStation(NamedTuple):
    """What the figures read of an open station (tuples: no model instances)."""

    pk: int
    code: str
    name: str
    kind: str
    organization_id: int
    branch_id: int | None
    branch_code: str | None
    place_id: str
    lng: float
    lat: float


def _read_open_stations(user: Any, org: Organization) -> list[OpenStation]:
    from liudong.stations.models import Station, StationStatus

    everything = tree.is_everything(org)  # the whole tree: every station is in it
    ids = () if everything else tuple(tree.subtree_ids(org))

    def build() -> QuerySet:
        stations = Station.objects.filter(status=StationStatus.OPEN)
        if not everything:
            stations = stations.filter(Q(organization_id__in=ids) | Q(branch_id__in=ids))
        return (
            visible_to(user, stations)
            .order_by("code")
            .values_list(*OpenStation._fields[:6], "branch__code", *OpenStation._fields[7:])
        )

    key = ("analytics.open_stations", gate_key(user), everything, ids)
    return [OpenStation._make(row) for row in compiled.rows(key, build)]


def own_station(user: Any, org: Organization, *, from_rollup: bool) -> list[StationFigures]:
    root = tree.root_organization() or org
    found = stations_in(user, root, from_rollup=from_rollup)
    return [s for s in found if s.branch_code == org.code] or stations_in(
        user, org, from_rollup=from_rollup
    )
