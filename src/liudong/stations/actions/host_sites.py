"""Host sites: the list of places that could host a station (issue 15; decision 151).

Kept by the city (or a county for its own), added one by one or imported from a workbook:
every row checked first, nothing written unless every row is right.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from liudong.codes import queries as codes
from liudong.core import audit
from liudong.core.errors import DomainError, ScopeError
from liudong.core.scope import CHANGE, may
from liudong.orgs.models import Organization
from liudong.regions.models import Place
from liudong.stations.actions.stations import check_location, require_running_side
from liudong.stations.models import HostSite

HOST_SITE_FIELDS = ("name", "kind", "address", "capacity", "cost", "contact", "telephone")
# The workbook's columns, in order (the header row is the first row; its texts are free).
IMPORT_COLUMNS = ("name", "kind", "place", "address", "lng", "lat", "capacity", "cost")


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    name = str(fields.get("name") or "").strip()
    if not name or len(name) > 120:
        raise DomainError("invalid_name", _("Give the host site's name (at most 120)."), "name")
    fields["name"] = name
    codes.validate("host_site_kind", fields.get("kind") or "", field="kind")
    for key, low, high, default in (("capacity", 1, 100000, 200), ("cost", 0, 10, 5)):
        value = fields.get(key, default)
        if value in (None, ""):
            value = default
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = -1.0
        if number != int(number) or not low <= number <= high:
            raise DomainError(
                f"invalid_{key}",
                _("%(field)s: a whole number from %(low)d to %(high)d.")
                % {"field": key, "low": low, "high": high},
                key,
            )
        fields[key] = int(number)
    for key, limit in (("address", 200), ("contact", 60), ("telephone", 30)):
        fields[key] = str(fields.get(key) or "").strip()[:limit]
    return fields


@transaction.atomic
def add_host_site(
    *, by: Any, organization: Organization, place: Place, lng: Any, lat: Any, **fields: Any
) -> HostSite:
    """One host site on the list ``organization`` keeps."""
    unknown = set(fields) - set(HOST_SITE_FIELDS)
    if unknown:
        raise TypeError(f"unknown host site fields: {sorted(unknown)}")
    require_running_side(by, organization)
    lng, lat = check_location(place, lng, lat)
    fields = _clean(dict(fields))
    with audit.action("host_site.add", actor=by):
        return HostSite.objects.create(
            organization=organization, place=place, lng=lng, lat=lat, **fields
        )


@transaction.atomic
def change_host_site(
    *, by: Any, site: HostSite, place: Place, lng: Any, lat: Any, **fields: Any
) -> HostSite:
    """Edit a host site on a list the actor may change (the keeper's side, through the gate).
    A site that hosts a station keeps its place there; the station's own record is not
    touched (a station moves by ``relocate_station``)."""
    unknown = set(fields) - set(HOST_SITE_FIELDS)
    if unknown:
        raise TypeError(f"unknown host site fields: {sorted(unknown)}")
    require_running_side(by, site.organization)
    if not may(by, site, CHANGE):
        raise ScopeError("not_found", _("Not found, or not within your organization's scope."))
    lng, lat = check_location(place, lng, lat)
    fields = _clean(dict(fields))
    with audit.action("host_site.change", actor=by):
        for key, value in {"place": place, "lng": lng, "lat": lat, **fields}.items():
            setattr(site, key, value)
        site.save()
    return site


@dataclass
class ImportResult:
    created: int
    problems: list[tuple[int, str]]  # (row number in the sheet, what is wrong)


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return value
    return value


MAX_ROWS = 5000


def import_host_sites(*, by: Any, organization: Organization, upload: IO[bytes]) -> ImportResult:
    """Host sites from a workbook (columns: IMPORT_COLUMNS; the place as a code or a name).
    Every row is checked; any problem and nothing is written (the problems say which rows)."""
    from openpyxl import load_workbook

    require_running_side(by, organization)
    try:
        book = load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same refusal
        raise DomainError(
            "unreadable", _("The file is not a readable .xlsx workbook."), "file"
        ) from exc
    # A candidate list is short: rows past the limit are not read (a huge sheet is refused).
    rows = list(book.worksheets[0].iter_rows(min_row=2, max_row=MAX_ROWS + 2, values_only=True))
    book.close()
    if len(rows) > MAX_ROWS:
        raise DomainError(
            "too_many_rows",
            _("A host site list has at most %(n)d rows.") % {"n": MAX_ROWS},
            "file",
        )
    problems: list[tuple[int, str]] = []
    good: list[dict[str, Any]] = []
    places = {p.code: p for p in Place.objects.filter(level=3)}
    by_name: dict[str, list[Place]] = {}
    for p in places.values():
        by_name.setdefault(p.name, []).append(p)
    for number, raw in enumerate(rows, start=2):
        values = list(raw or ())[: len(IMPORT_COLUMNS)]
        if not any(v not in (None, "") for v in values):
            continue
        values += [None] * (len(IMPORT_COLUMNS) - len(values))
        row = dict(zip(IMPORT_COLUMNS, values, strict=True))
        key = str(row.pop("place") or "").strip()
        # the template's drop-down gives the kind's label; a code is read as well
        row["kind"] = codes.code_for_label("host_site_kind", row["kind"]) or row["kind"]
        found = places.get(key) or (
            by_name.get(key, [None])[0] if len(by_name.get(key, [])) == 1 else None
        )
        try:
            if found is None:
                raise DomainError(
                    "unknown_place",
                    _("Unknown county-level place: %(place)s") % {"place": key or "-"},
                    "place",
                )
            lng, lat = check_location(found, _number(row.pop("lng")), _number(row.pop("lat")))
            fields = _clean(row)
        except DomainError as exc:
            problems.append((number, exc.message))
            continue
        good.append({"place": found, "lng": lng, "lat": lat, **fields})
    if not good and not problems:
        problems.append((1, _("The workbook has no host sites.")))
    if problems:
        return ImportResult(0, problems)
    with transaction.atomic(), audit.action("host_site.import", actor=by):
        for row in good:  # one by one: each row audited (a list is tens of rows)
            HostSite.objects.create(organization=organization, **row)
    return ImportResult(len(good), [])
