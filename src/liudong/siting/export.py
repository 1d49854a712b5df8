"""A saved plan as a workbook: its parameters and figures, the chosen sites, the members not
served by prefecture, the places without coordinates. Aggregated by place: no member's row."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from liudong.core import xlsx
from liudong.siting.models import SitingPlan


def put(sheet: Any, values: list[Any]) -> None:
    sheet.append(xlsx.row(sheet, values))


def workbook_of(plan: SitingPlan) -> bytes:
    book = xlsx.workbook()
    sheet = book.active
    sheet.title = pgettext("siting", "Plan")[:31]
    p: dict[str, Any] = plan.params
    for label, value in (
        (_("Name of the plan"), plan.name),
        (_("Planned for"), plan.organization.name),
        (_("New sites (K)"), plan.k),
        (_("Radius (km)"), plan.radius_km),
        (_("Direction"), p.get("direction", "")),
        (_("Keep the existing stations"), _("yes") if p.get("keep_existing") else _("no")),
        (_("Full members per station at least"), p.get("min_full")),
        (_("Status"), plan.status),
        (_("Optimality gap"), plan.gap),
        (_("Solve time (s)"), plan.solve_seconds),
        (_("Members to serve"), plan.total),
        (_("Served by today's stations"), plan.covered_before),
        (_("Served by the plan"), plan.covered),
        (
            _("Note"),
            _(
                "Served within the radius is a planning assumption, not the dashboard's "
                '"attached to a station".'
            ),
        ),
    ):
        put(sheet, [label, value])
    sites = book.create_sheet(_("Chosen sites")[:31])
    put(
        sites,
        [
            _("Host site"),
            _("Place"),
            _("New or existing"),
            _("Station"),
            _("Capacity"),
            _("Members served"),
            _("Full members"),
            _("Longitude"),
            _("Latitude"),
        ],
    )
    for s in plan.sites:
        put(
            sites,
            [
                s["name"],
                s["place"],
                _("new") if s["new"] else _("existing"),
                s.get("station", ""),
                s["capacity"],
                s["members"],
                s["full_members"],
                s["lng"],
                s["lat"],
            ],
        )
    uncovered = book.create_sheet(_("Not served")[:31])
    put(uncovered, [_("Prefecture code"), _("Prefecture"), _("Members not served")])
    for u in plan.results.get("uncovered", []):
        put(uncovered, [u["code"], u["name"], u["members"]])
    missing = book.create_sheet(_("No coordinates")[:31])
    put(missing, [_("Place code"), _("Place"), _("Members")])
    for m in plan.results.get("no_coordinates", []):
        put(missing, [m["code"], m["name"], m["members"]])
    return xlsx.save(book)
