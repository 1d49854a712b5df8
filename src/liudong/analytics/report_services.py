"""The monthly report's service parts (issue 13 item 6): the parts other apps register in
:mod:`liudong.core.report_parts` (service requests, activities), per organization row, per
station and for the whole, on the page and in the .xlsx.

The report reads the registry and knows no app's rule (decision 131). The parts count
events of the month (a request received, resolved, rated; an activity held), kept with
their times, so a past month is computed from the records as the current one, not from
the month-end snapshots the flow figures need.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from liudong.analytics import figures
from liudong.core import xlsx
from liudong.core.report_parts import Column, ReportPart, Unit, all_parts, month_bounds
from liudong.core.scope import visible_to
from liudong.orgs.models import Organization
from liudong.stations.models import Station, StationStatus


@dataclass
class PartTable:
    """One registered part of one report: its columns, a row per organization row of the
    report, a row per station, and the whole (computed as a unit of its own)."""

    key: str
    title: str
    note: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    stations: list[dict[str, Any]] = field(default_factory=list)
    total: dict[str, Any] = field(default_factory=dict)

    def cells(self, row: dict[str, Any]) -> list[tuple[Column, Any]]:
        return [(column, row.get(column.key)) for column in self.columns]

    @property
    def row_lines(self) -> list[tuple[dict[str, Any], list[tuple[Column, Any]]]]:
        """(row, its cells) per organization row, for the page."""
        return [(row, self.cells(row)) for row in self.rows]

    @property
    def station_lines(self) -> list[tuple[dict[str, Any], list[tuple[Column, Any]]]]:
        return [(row, self.cells(row)) for row in self.stations]

    @property
    def total_cells(self) -> list[tuple[Column, Any]]:
        return self.cells(self.total)

    def as_dict(self) -> dict[str, Any]:
        return {
            "columns": [c.key for c in self.columns],
            "rows": self.rows,
            "stations": self.stations,
            "total": self.total,
        }


def stations_under(user: Any, org: Organization) -> list[Station]:
    """The stations run in ``org``'s subtree (by the organization running it or its branch),
    opened at some time (not merely planned), through the gate, by code."""
    rows = visible_to(
        user,
        Station.objects.filter(
            Q(organization__path__startswith=org.path) | Q(branch__path__startswith=org.path)
        ).exclude(status=StationStatus.PLANNED),
    )
    return list(rows.order_by("code"))


def units_for(user: Any, org: Organization) -> tuple[list[Unit], list[Unit], Unit]:
    """(the organization rows, the stations, the whole) of ``org``'s report."""
    rows = [
        Unit(child.code, child.short_name or child.name, path=child.path)
        for child in figures.child_rows_of(org)
    ]
    stations = [
        Unit(f"station:{s.code}", s.name, station_id=s.pk, branch_id=s.branch_id)
        for s in stations_under(user, org)
    ]
    return rows, stations, Unit(org.code, _("Total"), path=org.path)


def part_table(
    part: ReportPart, user: Any, org: Organization, start: datetime.datetime, end: datetime.datetime
) -> PartTable:
    rows, stations, whole = units_for(user, org)
    values = part.figures(user, [*rows, *stations, whole], start, end)

    def line(unit: Unit) -> dict[str, Any]:
        code = unit.key.removeprefix("station:")
        return {"organization": code, "label": unit.label, **values.get(unit.key, {})}

    return PartTable(
        part.key,
        str(part.title),
        str(part.note),
        part.columns(),
        rows=[line(u) for u in rows],
        stations=[line(u) for u in stations],
        total=line(whole),
    )


def part_tables(user: Any, org: Organization, year: int, month: int) -> list[PartTable]:
    start, end = month_bounds(year, month)
    return [part_table(part, user, org, start, end) for part in all_parts()]


def write_tables(book: Any, tables: list[PartTable], year: int, month: int) -> None:
    """A sheet per part, in the reader's language like the report's title: the organization
    rows, the whole, then the stations."""
    from openpyxl.styles import Alignment, Font, PatternFill

    total_label, by_station = _("Total"), _("By station")
    for table in tables:
        sheet = book.create_sheet(table.title[:31])
        xlsx.write(sheet, 1, 1, f"{table.title} {year}-{month:02d}").font = Font(bold=True)
        header = [pgettext("statistics", "Organization"), *[str(c.label) for c in table.columns]]
        for col, title in enumerate(header, start=1):
            cell = xlsx.write(sheet, 3, col, title)
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="C8161D")
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        r = 4
        for row in [*table.rows, {**table.total, "label": total_label}]:
            xlsx.write(sheet, r, 1, row["label"])
            for col, column in enumerate(table.columns, start=2):
                xlsx.write(sheet, r, col, row.get(column.key))
            r += 1
        sheet.cell(r - 1, 1).font = Font(bold=True)
        r += 1
        xlsx.write(sheet, r, 1, by_station).font = Font(bold=True)
        r += 1
        for row in table.stations:
            xlsx.write(sheet, r, 1, row["label"])
            for col, column in enumerate(table.columns, start=2):
                xlsx.write(sheet, r, col, row.get(column.key))
            r += 1
        xlsx.write(sheet, r + 1, 1, table.note)
        sheet.column_dimensions["A"].width = 34
        sheet.freeze_panes = "B4"
