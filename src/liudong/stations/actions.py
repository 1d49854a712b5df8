"""Every state change of stations: atomic, audited, raising domain errors."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from liudong.codes import queries as codes
from liudong.core import audit
from liudong.core.errors import DomainError
from liudong.orgs.models import Organization
from liudong.regions.models import Place
from liudong.stations.models import Station, StationKind

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
]


def _validate(fields: dict[str, Any], place: Place) -> None:
    if fields.get("kind") not in StationKind.values:
        raise DomainError("invalid_kind", _("Choose liaison or service station."), "kind")
    codes.validate("host_site_kind", fields.get("host_kind", ""), field="host_kind")
    lng, lat = fields.get("lng"), fields.get("lat")
    if lng is None or lat is None or not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise DomainError("invalid_coordinates", _("Longitude or latitude out of range."), "lng")
    if place.level != 3:
        raise DomainError("place_not_county", _("Choose a county-level place."), "place")


@transaction.atomic
def create_station(
    *,
    by: Any,
    organization: Organization,
    place: Place,
    branch: Organization | None = None,
    **fields: Any,
) -> Station:
    """Open (or plan) a station run by ``organization``; ``branch`` is its mobile branch."""
    unknown = set(fields) - set(STATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown station fields: {sorted(unknown)}")
    _validate(fields, place)
    if Station.objects.filter(code=fields["code"]).exists():
        raise DomainError("duplicate_code", _("A station with this code exists."), "code")
    with audit.action("station.create", actor=by):
        return Station.objects.create(
            organization=organization, place=place, branch=branch, **fields
        )
