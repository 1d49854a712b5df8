"""What the planner reads: members aggregated by place (through the scope gate) and candidates.

Members' locations are used aggregated by destination place, never one by one (issue 15,
item 6): a demand point is a county-level place with its count of members and of full
members, split by in-province / out-of-province.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from liudong.core.scope import visible_to
from liudong.members.models import Direction, FlowRecord, FlowScope, Membership
from liudong.orgs.models import Organization
from liudong.regions.models import Place
from liudong.siting.optimizer import Candidate, DemandPoint
from liudong.stations.models import HostSite, Station, StationStatus

IN_PROVINCE = "in"
OUT_OF_PROVINCE = "out"


@dataclass(frozen=True)
class Filters:
    direction: str = Direction.OUTFLOW
    statuses: tuple[str, ...] = ()  # empty: every open status
    destination: str = ""  # a place code prefix (a province "61", a prefecture "6101")
    scope: Organization | None = None  # a county's own members; None: all the user sees


def demand_points(by: Any, filters: Filters = Filters()) -> list[DemandPoint]:
    """Open flow records the user may see, by destination place and in/out of province.

    ``id`` is ``<place code>:<in|out>``; coordinates are the place's centroid (``regions``),
    or none when the place has none (the planner counts and lists those)."""
    records = visible_to(by, FlowRecord.objects.filter(is_open=True))
    if filters.direction:
        records = records.filter(direction=filters.direction)
    if filters.statuses:
        records = records.filter(status__in=filters.statuses)
    if filters.destination:
        records = records.filter(destination_place__code__startswith=filters.destination)
    if filters.scope is not None:
        side = (
            "home_organization" if filters.direction == Direction.OUTFLOW else "inflow_organization"
        )
        records = records.filter(
            Q(**{f"{side}__path__startswith": filters.scope.path})
            | Q(residence_organization__path__startswith=filters.scope.path)
        )
    rows = records.values("destination_place_id", "flow_scope").annotate(
        members=Count("member_id", distinct=True),
        full=Count("member_id", distinct=True, filter=Q(member__membership=Membership.FULL)),
    )
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        group = OUT_OF_PROVINCE if row["flow_scope"] == FlowScope.OUT_OF_PROVINCE else IN_PROVINCE
        key = f"{row['destination_place_id']}:{group}"
        totals[key][0] += row["members"]
        totals[key][1] += row["full"]
    places = {
        p.code: p
        for p in Place.objects.filter(code__in={k.split(":")[0] for k in totals}).only(
            "code", "lng", "lat"
        )
    }
    out = []
    for key in sorted(totals):
        code, group = key.split(":")
        place = places.get(code)
        lng = place.lng if place else None
        lat = place.lat if place else None
        out.append(DemandPoint(key, lng, lat, totals[key][0], totals[key][1], group))
    return out


@dataclass(frozen=True)
class Site:
    """A candidate as the pages show it (the optimizer's ``Candidate`` plus names)."""

    candidate: Candidate
    name: str
    kind: str
    place: str
    host_site: int | None
    station: str  # the code of the station it hosts, or ""


def candidate_sites(
    scope: Organization | None,
    *,
    keep_existing: bool = True,
    kind: str = "liaison",
    within: str = "",
) -> list[Site]:
    """The host sites a plan may choose from, with today's stations of ``kind`` marked existing
    (and kept when ``keep_existing``). A county's plan reads the sites the county keeps and
    those its ancestors (the city) keep: the city's list is its offer to every county, not
    personal data, so this read is not narrowed by the gate to the county's own rows.
    ``within`` (a place code prefix: the plan's destination filter) keeps the sites in that
    area only: a plan for the members going to one province neither chooses nor keeps a
    station in another, which would have none of them to serve."""
    sites = HostSite.objects.select_related("place")
    if within:
        sites = sites.filter(place__code__startswith=within)
    if scope is not None:
        keepers = list(scope.ancestors().values_list("pk", flat=True)) + [scope.pk]
        sites = sites.filter(
            Q(organization__in=keepers) | Q(organization__path__startswith=scope.path)
        )
    running = {
        s.host_site_id: s
        for s in Station.objects.filter(
            kind=kind, status=StationStatus.OPEN, host_site__isnull=False
        ).only("code", "host_site_id")
    }
    # a site that hosts a station of the other kind (or a planned one) is not a candidate
    taken = set(
        Station.objects.exclude(status=StationStatus.CLOSED)
        .exclude(kind=kind, status=StationStatus.OPEN)
        .filter(host_site__isnull=False)
        .values_list("host_site_id", flat=True)
    )
    out = []
    for site in sites.order_by("place_id", "name", "pk"):
        if site.pk in taken:
            continue
        station = running.get(site.pk)
        existing = station is not None
        out.append(
            Site(
                Candidate(
                    id=f"h{site.pk}",
                    lng=site.lng,
                    lat=site.lat,
                    capacity=site.capacity,
                    cost=float(site.cost),
                    existing=existing,
                    forced=existing and keep_existing,
                    group=site.place.parent_id or "",
                ),
                site.name,
                site.kind,
                site.place.name,
                site.pk,
                station.code if station else "",
            )
        )
    return out


def place_names(codes: Iterable[str]) -> dict[str, str]:
    return dict(Place.objects.filter(code__in=set(codes)).values_list("code", "name"))


def prefecture_of(codes: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Each county's prefecture (code, name), for where the uncovered cluster."""
    rows = Place.objects.filter(code__in=set(codes)).values_list(
        "code", "parent_id", "parent__name"
    )
    return {code: (parent or code, name or code) for code, parent, name in rows}
