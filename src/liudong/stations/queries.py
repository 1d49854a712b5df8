"""Reads of stations and check-ins, shaped for the pages and the API.

Staff reads go through the scope gate. One read does not: :func:`open_station_directory`,
the public list of open stations (name, kind, address, coordinates, host, hours — no
personal data) that members pick from when they check in. Members have the "self" scope
and would otherwise see no station at all; the directory is what a poster on the wall
or a city's website shows anyway, so it is named here as the one deliberate exception.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from liudong.core.scope import CHANGE, may, restrict, visible_to
from liudong.members.models import OPEN_STATUSES, FlowRecord, FlowStatus
from liudong.regions.models import Place
from liudong.stations.models import CheckIn, CheckInStatus, Station, StationStatus

EARTH_RADIUS_KM = 6371.0088
DIRECTORY_FIELDS = (
    "id",
    "code",
    "name",
    "kind",
    "host_kind",
    "host_name",
    "address",
    "lng",
    "lat",
    "opening_hours",
    "services",
    "qr_token",
    "status",
    "place__code",
    "place__name",
    "place__parent__name",
)


def open_station_directory() -> QuerySet:
    """Every open station, for members choosing where to check in (deliberately unscoped:
    see the module's docstring)."""
    return (
        Station.objects.filter(status=StationStatus.OPEN)
        .select_related("place__parent")
        .only(*DIRECTORY_FIELDS)
        .order_by("code")
    )


# What asking to check in needs of a station (the API's hot path reads no more).
STATION_CHECK_IN_FIELDS = (
    "id", "code", "name", "status", "lng", "lat", "branch_id", "organization_id", "qr_token",
)  # fmt: skip


def station_by_token(token: str) -> Station | None:
    """The station a QR link names (any status: the page says when it is closed)."""
    token = (token or "").strip()
    if not token or len(token) > 32:
        return None
    return (
        Station.objects.select_related("place__parent", "branch", "organization")
        .filter(qr_token=token)
        .first()
    )


def station_by_code(code: str) -> Station | None:
    code = (code or "").strip()
    if not code or len(code) > 32:
        return None
    return (
        Station.objects.filter(code=code)
        .select_related("branch", "organization")  # their paths scope the audit row
        .only(*STATION_CHECK_IN_FIELDS, "branch__path", "organization__path")
        .first()
    )


def haversine_km(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Nearby:
    station: Station
    distance_km: float


LONGITUDE_LIMIT, LATITUDE_LIMIT = 180.0, 90.0


def degrees(value: Any, limit: float) -> float:
    """A longitude (``limit`` 180) or latitude (90) given by a request: a number, or text
    that reads as one, finite and within ±limit. ``ValueError`` for anything else (a
    boolean, other text, NaN or Infinity, out of range), its argument the serializer's
    error code. The one rule for coordinates: the check-in's serializer, its hot path
    and the member pages all ask it."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("invalid")
    if isinstance(value, str) and len(value) > 32:
        raise ValueError("max_string_length")
    try:
        number = float(value)
    except (ValueError, OverflowError) as exc:
        raise ValueError("invalid") from exc
    if not math.isfinite(number):
        raise ValueError("invalid")
    if number > limit:
        raise ValueError("max_value")
    if number < -limit:
        raise ValueError("min_value")
    return number


def parse_point(lng: Any, lat: Any) -> tuple[float, float] | None:
    """A (lng, lat) pair from request parameters, or None when missing or not a point."""
    try:
        return degrees(lng, LONGITUDE_LIMIT), degrees(lat, LATITUDE_LIMIT)
    except ValueError:
        return None


def nearest_stations(lng: float, lat: float, limit: int = 5) -> list[Nearby]:
    """Open stations by distance from a point (haversine over the directory: a city has
    tens of stations, a province a few hundred)."""
    found = [Nearby(s, haversine_km(lng, lat, s.lng, s.lat)) for s in open_station_directory()]
    found.sort(key=lambda n: (n.distance_km, n.station.code))
    return found[:limit]


def stations_near_place(place: Place | None, limit: int = 5) -> list[Nearby]:
    """Without the browser's location: by the centroid of the record's destination place."""
    if place is None or place.lng is None or place.lat is None:
        return []
    return nearest_stations(place.lng, place.lat, limit)


# --- check-ins ---------------------------------------------------------------------------

CHECK_IN_RELATED = (
    "member",
    "flow__destination_place__parent",
    "flow__home_organization",
    "station__branch",
    "decided_by",
)


def check_ins(user: Any) -> QuerySet:
    return visible_to(user, CheckIn.objects.all()).select_related(*CHECK_IN_RELATED)


def pending_for_station_side(user: Any) -> QuerySet:
    """Check-ins awaiting the user's answer (the station's to-do), oldest first."""
    # The gate's "change" of a check-in is the station side's answer.
    return restrict(user, check_ins(user).filter(status=CheckInStatus.PENDING), CHANGE).order_by(
        "requested_at", "id"
    )


def pending_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False) or not (
        user.is_superuser or user.is_staff_role
    ):
        return 0
    return restrict(user, CheckIn.objects.filter(status=CheckInStatus.PENDING), CHANGE).count()


def may_answer(user: Any, check_in: CheckIn) -> bool:
    """Whether pages offer confirm/refuse: the station's side, while it is pending (the
    same rule the actions apply)."""
    if check_in.status != CheckInStatus.PENDING:
        return False
    if not (getattr(user, "is_superuser", False) or getattr(user, "is_staff_role", False)):
        return False
    return may(user, check_in, CHANGE)


def stations_for(user: Any) -> list[Station]:
    """The stations in the user's scope with their check-ins awaiting an answer and their
    members (``members``: :class:`StationMembers`)."""
    stations = list(
        visible_to(user, Station.objects.all())
        .select_related("organization", "branch", "place__parent")
        .annotate(pending=Count("check_ins", filter=Q(check_ins__status=CheckInStatus.PENDING)))
        .order_by("code")
    )
    members = station_members(user, [s.branch_id for s in stations])
    for station in stations:
        station.members = members.get(station.branch_id, StationMembers())
    return stations


# --- a station's members: one definition (统计口径) and one count for every page ----------

ATTACHED_DEFINITION = _(
    "Attached: open flow records (registered, managed or lost contact) whose inflow side "
    "is the station's mobile branch, members of any county."
)
MANAGED_DEFINITION = _(
    "Managed here: of the attached records, those whose status is managed (in regular "
    "contact). Not the count of confirmed check-ins: staff may bring a record under "
    "management without one, and a record marked lost contact or closed no longer counts "
    "though its check-in was confirmed."
)


@dataclass(frozen=True)
class StationMembers:
    """A station's members: ``attached`` and, of them, ``managed`` (see the definitions)."""

    attached: int = 0
    managed: int = 0


def attached_counts(user: Any, branch_ids: Iterable[int]) -> QuerySet:
    """(branch id, status, n): the open records attached to each branch, through the gate."""
    records = FlowRecord.objects.filter(is_open=True, inflow_organization_id__in=list(branch_ids))
    return (
        visible_to(user, records)
        .values_list("inflow_organization_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )


def station_members(
    user: Any,
    branch_ids: Iterable[int | None],
    counts: Iterable[tuple[int, str, int]] | None = None,
) -> dict[int, StationMembers]:
    """Each branch's :class:`StationMembers` (the station list, a station's page, its
    staff's workbench, the dashboards' station table, the API). ``counts``: the same
    (branch id, status, n) rows read elsewhere — the dashboards' rollup, which counts the
    same records —; default :func:`attached_counts`."""
    ids = sorted({pk for pk in branch_ids if pk is not None})
    if not ids:
        return {}
    found = {pk: [0, 0] for pk in ids}
    for branch_id, status, n in attached_counts(user, ids) if counts is None else counts:
        slot = found.get(branch_id)
        if slot is None or status not in OPEN_STATUSES:
            continue
        slot[0] += n
        if status == FlowStatus.MANAGED:
            slot[1] += n
    return {pk: StationMembers(attached, managed) for pk, (attached, managed) in found.items()}


def members_of(user: Any, station: Station) -> StationMembers:
    """One station's members, as every list shows them."""
    return station_members(user, [station.branch_id]).get(station.branch_id, StationMembers())


def my_check_ins(member: Any, limit: int = 20) -> list[CheckIn]:
    """A member's own check-ins, newest first (their history on the home page)."""
    return list(
        CheckIn.objects.filter(member=member)
        .select_related("station__place__parent", "station__branch", "decided_by")
        .order_by("-requested_at", "-id")[:limit]
    )


def active_check_in(member: Any) -> CheckIn | None:
    return (
        CheckIn.objects.filter(member=member, status__in=("pending", "confirmed"))
        .select_related("station__place__parent", "station__branch")
        .first()
    )


def member_summary(member: Any, flow: FlowRecord | None) -> dict[str, Any]:
    """What the member's home page shows about stations: my station, branch, history."""
    active = active_check_in(member)
    station = None
    if active is not None:
        station = active.station
    elif flow is not None and flow.inflow_organization_id:
        station = (
            Station.objects.filter(branch=flow.inflow_organization_id)
            .select_related("place__parent", "branch")
            .first()
        )
    return {
        "active_check_in": active,
        "my_station": station,
        "my_branch": station.branch if station else (flow.inflow_organization if flow else None),
        "check_in_history": my_check_ins(member),
    }
