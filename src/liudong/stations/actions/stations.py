"""Stations: opening (or planning) them, editing them and rotating their QR token."""

from __future__ import annotations

import math
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.codes import queries as codes
from liudong.core import audit
from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.scope import CHANGE, can_see, may, require_actor, scope_of
from liudong.orgs.models import Organization, OrgKind
from liudong.regions.models import Place
from liudong.stations.models import (
    HostSite,
    Station,
    StationKind,
    StationLocation,
    StationStatus,
    new_qr_token,
)

STATION_FIELDS = [
    "code",
    "name",
    "kind",
    "host_kind",
    "host_name",
    "host_contact",
    "host_telephone",
    "address",
    "lng",
    "lat",
    "opened_on",
    "status",
    "services",
    "opening_hours",
    "contact_phone",
]

# What an edit may change (the place and coordinates change by relocation, the status by
# its own actions, the code never: posters and the API name the station by it).
EDITABLE_FIELDS = (
    "name",
    "kind",
    "host_kind",
    "host_name",
    "host_contact",
    "host_telephone",
    "opening_hours",
    "services",
    "contact_phone",
)
# What the station's own staff may change (decision 106): the day-to-day facts members read.
STAFF_EDITABLE_FIELDS = ("opening_hours", "services", "contact_phone")


# A mobile branch needs at least this many full members before it is established.
BRANCH_MINIMUM_FULL_MEMBERS = 3


# Who may approve a mobile branch: a county-level or higher committee (or its department).
APPROVING_KINDS = (
    OrgKind.COUNTY_COMMITTEE,
    OrgKind.CITY_COMMITTEE,
    OrgKind.ORG_DEPARTMENT,
    OrgKind.WORKING_COMMITTEE,
)


def check_location(place: Place | None, lng: Any, lat: Any) -> tuple[float, float]:
    """A station's place (county-level) and coordinates: the one rule for opening and
    relocating."""
    if place is None or place.level != 3:
        raise DomainError("place_not_county", _("Choose a county-level place."), "place")
    for name, value, limit in (("lng", lng, 180), ("lat", lat, 90)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DomainError(
                "invalid_coordinates", _("Give the longitude and latitude as numbers."), name
            )
        if not (math.isfinite(value) and -limit <= value <= limit):
            raise DomainError("invalid_coordinates", _("Longitude or latitude out of range."), name)
    return float(lng), float(lat)


def _check_text(fields: dict[str, Any], name: str, *, required: bool = False) -> None:
    if name not in fields:
        if required:
            raise DomainError("required", _("This field is required."), name)
        return
    value = fields[name]
    value = "" if value is None else str(value).strip()
    limit = Station._meta.get_field(name).max_length
    if required and not value:
        raise DomainError("required", _("This field is required."), name)
    if limit and len(value) > limit:
        raise DomainError("too_long", _("At most %(limit)d characters.") % {"limit": limit}, name)
    fields[name] = value


def check_station_values(fields: dict[str, Any], *, creating: bool) -> None:
    """The station's own facts (not place or coordinates): kind, host, services, texts.
    Cleans ``fields`` in place."""
    if ("kind" in fields or creating) and fields.get("kind") not in StationKind.values:
        raise DomainError("invalid_kind", _("Choose liaison or service station."), "kind")
    if "host_kind" in fields or creating:
        codes.validate("host_site_kind", fields.get("host_kind", ""), field="host_kind")
    for name in ("name", "host_name"):
        _check_text(fields, name, required=creating or name in fields)
    for name in ("code", "address"):
        if creating:
            _check_text(fields, name, required=True)
    for name in ("host_contact", "host_telephone", "opening_hours", "contact_phone"):
        _check_text(fields, name)
    if "services" in fields:
        services = fields["services"] or []
        if isinstance(services, str) or not isinstance(services, list | tuple):
            raise DomainError("invalid_services", _("Choose the services offered."), "services")
        for service in services:
            codes.validate("service_kind", service, field="services")
        fields["services"] = list(dict.fromkeys(services))


def _validate(fields: dict[str, Any], place: Place) -> None:
    check_station_values(fields, creating=True)
    check_location(place, fields.get("lng"), fields.get("lat"))
    if fields.get("status", StationStatus.OPEN) not in (StationStatus.OPEN, StationStatus.PLANNED):
        raise DomainError("invalid_status", _("A new station is either planned or open."), "status")


def require_running_side(by: Any, organization: Organization) -> None:
    """The actor manages the organization tree (an administrator, or the system) and the
    organization that runs the station lies in their scope."""
    require_actor(by)
    if not by.can("orgs.manage"):
        raise PermissionDenied(
            "forbidden", _("Only the city or a county's administrators run stations.")
        )
    if not scope_of(by).covers_path(organization.path):
        raise ScopeError(
            "organization_out_of_scope",
            _("That organization is not within your scope."),
            "organization",
        )
    if organization.kind not in APPROVING_KINDS:
        raise DomainError(
            "organization_not_committee",
            _("A station is run by the city's bodies or a county-level committee."),
            "organization",
        )


def make_branch(by: Any, station: Station) -> Organization:
    """The station's organization node: its mobile branch, under the organization running
    it (opening a station, or opening a planned one)."""
    from liudong.orgs import actions as orgs

    return orgs.create_organization(
        by=by,
        parent=station.organization,
        code=f"{station.code}-BR",
        name=_("%(station)s party branch") % {"station": station.name},
        kind=OrgKind.MOBILE_BRANCH,
        place=station.place,
        address=station.address,
    )


def _require_station_side(by: Any, station: Station) -> None:
    """The actor works for the station: its branch's subtree is in their scope (the system
    passes: the gate gives it everything)."""
    require_actor(by)
    if not (by.is_superuser or by.is_staff_role):
        raise PermissionDenied("forbidden", _("Only the station's staff can do this."))
    if not can_see(by, station):
        raise ScopeError("not_found", _("Not found, or not within your organization's scope."))
    if not may(by, station, "staff"):
        raise PermissionDenied("not_station_side", _("Only the station's staff can do this."))


@transaction.atomic
def create_station(
    *,
    by: Any,
    organization: Organization,
    place: Place,
    branch: Organization | None = None,
    host_site: HostSite | None = None,
    **fields: Any,
) -> Station:
    """Open (or plan) a station run by ``organization``.

    Its host is a row of its own (decision 151): ``host_site`` when given (the siting
    planner's chosen candidate; the station's host fields are taken from it when not
    given), else one made from the host fields, on the running organization's list.

    An open station gets its organization node: ``branch``, its mobile branch, created
    under ``organization`` when not given. A planned one (the siting planner's) has none
    until :func:`~liudong.stations.actions.running.open_planned_station` opens it. Its
    address is the first row of its location history.
    """
    unknown = set(fields) - set(STATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown station fields: {sorted(unknown)}")
    require_running_side(by, organization)
    if host_site is not None:
        fields.setdefault("host_kind", host_site.kind)
        fields.setdefault("host_name", host_site.name)
    _validate(fields, place)
    if Station.objects.filter(code=fields["code"]).exists():
        raise DomainError("duplicate_code", _("A station with this code exists."), "code")
    planned = fields.get("status") == StationStatus.PLANNED
    if not planned:
        fields.setdefault("opened_on", timezone.localdate())
    with audit.action("station.plan" if planned else "station.create", actor=by):
        if host_site is None:
            host_site = HostSite.objects.create(
                name=fields["host_name"],
                kind=fields["host_kind"],
                organization=organization,
                place=place,
                address=fields["address"],
                lng=fields["lng"],
                lat=fields["lat"],
                capacity=500,
                cost=0,
                contact=fields.get("host_contact", ""),
                telephone=fields.get("host_telephone", ""),
            )
        station = Station(
            organization=organization, place=place, branch=branch, host_site=host_site, **fields
        )
        if branch is None and not planned:
            station.branch = make_branch(by, station)
        station.save()
        StationLocation.objects.create(
            station=station,
            place=place,
            address=station.address,
            lng=station.lng,
            lat=station.lat,
            from_on=station.opened_on or timezone.localdate(),
        )
    return station


@transaction.atomic
def update_station(*, by: Any, station: Station, **changes: Any) -> Station:
    """Change a station's facts: the organization running it (and those above) any of
    :data:`EDITABLE_FIELDS`, its own staff the day-to-day ones (decision 106)."""
    require_actor(by)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        name = sorted(unknown)[0]
        raise DomainError("field_not_editable", _("This field cannot be changed here."), name)
    if not can_see(by, station):
        raise ScopeError("not_found", _("Not found, or not within your organization's scope."))
    if not may(by, station, CHANGE):
        staff_may = may(by, station, "staff") and getattr(by, "is_staff_role", False)
        if not staff_may or set(changes) - set(STAFF_EDITABLE_FIELDS):
            raise PermissionDenied(
                "not_running_side",
                _(
                    "Only the organization running the station changes this; its staff "
                    "change the opening hours, services and contact phone."
                ),
            )
    check_station_values(changes, creating=False)
    station = Station.objects.select_for_update().get(pk=station.pk)
    if station.status == StationStatus.CLOSED:
        raise DomainError("station_closed", _("This station is closed."), "status")
    with audit.action("station.update", actor=by):
        for name, value in changes.items():
            setattr(station, name, value)
        station.save()
    return station


@transaction.atomic
def rotate_qr_token(*, by: Any, station: Station) -> Station:
    """A new QR link: posters printed before stop working (say, a poster put up wrongly)."""
    _require_station_side(by, station)
    station = Station.objects.select_for_update().get(pk=station.pk)
    with audit.action("station.rotate_qr", actor=by):
        station.qr_token = new_qr_token()
        station.save(update_fields=["qr_token", "updated_at"])
    return station
