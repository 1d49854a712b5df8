"""Stations: creating them and rotating their QR token."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from liudong.codes import queries as codes
from liudong.core import audit
from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.scope import can_see, may, require_actor, scope_of
from liudong.orgs.models import Organization, OrgKind
from liudong.regions.models import Place
from liudong.stations.models import (
    Station,
    StationKind,
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
]


# A mobile branch needs at least this many full members before it is established.
BRANCH_MINIMUM_FULL_MEMBERS = 3


# Who may approve a mobile branch: a county-level or higher committee (or its department).
APPROVING_KINDS = (
    OrgKind.COUNTY_COMMITTEE,
    OrgKind.CITY_COMMITTEE,
    OrgKind.ORG_DEPARTMENT,
    OrgKind.WORKING_COMMITTEE,
)


def _validate(fields: dict[str, Any], place: Place) -> None:
    if fields.get("kind") not in StationKind.values:
        raise DomainError("invalid_kind", _("Choose liaison or service station."), "kind")
    codes.validate("host_site_kind", fields.get("host_kind", ""), field="host_kind")
    lng, lat = fields.get("lng"), fields.get("lat")
    if lng is None or lat is None or not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise DomainError("invalid_coordinates", _("Longitude or latitude out of range."), "lng")
    if place.level != 3:
        raise DomainError("place_not_county", _("Choose a county-level place."), "place")
    for service in fields.get("services") or []:
        codes.validate("service_kind", service, field="services")
    if fields.get("status", StationStatus.OPEN) not in StationStatus.values:
        raise DomainError("invalid_status", _("Choose planned, open or closed."), "status")


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
    **fields: Any,
) -> Station:
    """Open (or plan) a station run by ``organization``; ``branch`` is its mobile branch,
    created under ``organization`` when not given."""
    from liudong.orgs import actions as orgs

    unknown = set(fields) - set(STATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown station fields: {sorted(unknown)}")
    _validate(fields, place)
    require_actor(by)
    if not scope_of(by).covers_path(organization.path):
        raise ScopeError(
            "organization_out_of_scope",
            _("That organization is not within your scope."),
            "organization",
        )
    if Station.objects.filter(code=fields["code"]).exists():
        raise DomainError("duplicate_code", _("A station with this code exists."), "code")
    with audit.action("station.create", actor=by):
        if branch is None:
            branch = orgs.create_organization(
                by=by,
                parent=organization,
                code=f"{fields['code']}-BR",
                name=_("%(station)s party branch") % {"station": fields["name"]},
                kind=OrgKind.MOBILE_BRANCH,
                place=place,
                address=fields.get("address", ""),
            )
        return Station.objects.create(
            organization=organization, place=place, branch=branch, **fields
        )


@transaction.atomic
def rotate_qr_token(*, by: Any, station: Station) -> Station:
    """A new QR link: posters printed before stop working (say, a poster put up wrongly)."""
    _require_station_side(by, station)
    station = Station.objects.select_for_update().get(pk=station.pk)
    with audit.action("station.rotate_qr", actor=by):
        station.qr_token = new_qr_token()
        station.save(update_fields=["qr_token", "updated_at"])
    return station
