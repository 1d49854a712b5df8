"""The host-site pages' reads and the import template (issue 15, item 1; decision 196).

A user sees the list their organization keeps through the gate; a county also sees the
city's list (read-only), as its plans read it (decision 152). Editing asks the gate's
"change" answer for each row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from openpyxl.worksheet.datavalidation import DataValidation

from liudong.codes import queries as codes
from liudong.core import xlsx
from liudong.core.scope import CHANGE, may, visible_to
from liudong.stations.actions.host_sites import IMPORT_COLUMNS
from liudong.stations.models import HostSite, Station, StationStatus

TEMPLATE_ROWS = 500


@dataclass
class Row:
    site: HostSite
    kind: str
    stations: list[str]
    own: bool  # on a list the user keeps (else the city's, shown to a county)
    may_change: bool


def _base() -> QuerySet:
    return HostSite.objects.select_related("place", "place__parent", "organization")


def editable(user: Any) -> QuerySet:
    """The sites on lists the user keeps (the gate's answer)."""
    return visible_to(user, _base())


def listed(user: Any) -> QuerySet:
    """The sites a user's plans read: their own lists, and the lists their organization's
    ancestors keep (a county reads the city's)."""
    own = visible_to(user, HostSite.objects.all()).values("pk")
    org = getattr(user, "organization", None)
    extra = Q()
    if org is not None:
        extra = Q(organization__in=list(org.ancestors().values_list("pk", flat=True)))
    return _base().filter(Q(pk__in=own) | extra).order_by("place_id", "name", "pk")


def rows(user: Any, sites: Any) -> list[Row]:
    own = set(visible_to(user, HostSite.objects.all()).values_list("pk", flat=True))
    hosting: dict[int, list[str]] = {}
    for site_id, code in (
        Station.objects.exclude(status=StationStatus.CLOSED)
        .filter(host_site__in=[s.pk for s in sites])
        .values_list("host_site_id", "code")
    ):
        hosting.setdefault(site_id, []).append(code)
    return [
        Row(
            site=s,
            kind=codes.label("host_site_kind", s.kind),
            stations=hosting.get(s.pk, []),
            own=s.pk in own,
            may_change=s.pk in own and may(user, s, CHANGE),
        )
        for s in sites
    ]


def headers() -> list[str]:
    words = {
        "name": _("Host site"),
        "kind": _("Kind"),
        "place": _("Place (county code or name)"),
        "address": _("Address"),
        "lng": _("Longitude"),
        "lat": _("Latitude"),
        "capacity": _("Capacity (members)"),
        "cost": _("Cost or effort (0-10)"),
    }
    return [words[c] for c in IMPORT_COLUMNS]


def template() -> bytes:
    """The import workbook: the header row, one example row, a drop-down for the kind (its
    labels; the import reads a code or a label) from a hidden list sheet."""
    book = xlsx.workbook()
    data = book.active
    data.title = _("Host sites")
    data.append(xlsx.row(data, headers()))
    example = [_("Example enterprise"), "", "610113", _("Example road 1"), 108.95, 34.22, 300, 3]
    data.append(xlsx.row(data, example))
    kinds = [label for _code, label in codes.choices("host_site_kind")]
    if kinds:
        xlsx.write(data, 2, 2, kinds[0])
        lists = book.create_sheet("lists")
        for number, label in enumerate(kinds, start=1):
            xlsx.write(lists, number, 1, label)
        lists.sheet_state = "hidden"
        rule = DataValidation(
            type="list", formula1=f"'lists'!$A$1:$A${len(kinds)}", allow_blank=True
        )
        rule.add(f"B2:B{TEMPLATE_ROWS}")
        data.add_data_validation(rule)
    for letter, width in zip("ABCDEFGH", (28, 16, 22, 30, 12, 12, 16, 18), strict=True):
        data.column_dimensions[letter].width = width
    return xlsx.save(book)
