"""The monthly statistical report: one row per county (the city) or township (a county).

Columns as organization departments keep them: found / outflow by scope / inflow / managed /
coverage / lost contact / overdue contact / stations / branches. The current month is
computed live; a past month is read from the snapshots of its last snapshot day (the daily
task keeps them). The totals row is computed independently of the rows and checked against
their sum; a mismatch is reported, never hidden.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.analytics import figures, report_services
from liudong.analytics.models import Snapshot
from liudong.core import xlsx
from liudong.core.errors import DomainError
from liudong.core.scope import visible_to
from liudong.orgs.models import Organization

# (key, column title): the report's numeric columns, in order.
COLUMNS: list[tuple[str, str]] = [
    ("found", "摸排流动党员"),
    ("out_of_province_outflow", "流出省外"),
    ("out_of_city", "流出省内市外"),
    ("out_of_county", "流出市内县外"),
    ("within_county", "流出县内"),
    ("inflow", "流入"),
    ("managed", "已纳管"),
    ("coverage", "纳管率(%)"),
    ("in_province_coverage", "省内纳管率(%)"),
    ("out_of_province_coverage", "省外纳管率(%)"),
    ("lost", "失联"),
    ("overdue", "逾期未联系"),
    ("stations", "联络站/服务站"),
    ("branches", "流动党员党支部"),
]
RATE_KEYS = {"coverage", "in_province_coverage", "out_of_province_coverage"}
COUNT_KEYS = [k for k, _title in COLUMNS if k not in RATE_KEYS]


def column_labels() -> list[tuple[str, str]]:
    """Translated column titles for the page (the .xlsx keeps the Chinese layout)."""
    return [
        ("found", _("Found")),
        ("out_of_province_outflow", _("Out of province")),
        ("out_of_city", _("Out of city, in province")),
        ("out_of_county", _("Out of county, in city")),
        ("within_county", _("Within the county")),
        ("inflow", _("Inflow")),
        ("managed", _("Managed")),
        ("coverage", _("Coverage (%)")),
        ("in_province_coverage", _("In province (%)")),
        ("out_of_province_coverage", _("Out of province (%)")),
        ("lost", _("lost contact")),
        ("overdue", _("Contact overdue")),
        ("stations", _("Stations")),
        ("branches", _("Mobile branches")),
    ]


@dataclass
class Report:
    organization: Organization
    year: int
    month: int
    as_of: datetime.date
    live: bool
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: dict[str, Any] = field(default_factory=dict)
    sum_of_rows: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # rows without a snapshot that month
    demo: bool = False  # from a snapshot the demo back-filled, not measured (decision 96)
    # The parts the apps register (service requests, activities): report_services.
    parts: list[Any] = field(default_factory=list)

    @property
    def totals_match(self) -> bool:
        return all(self.total.get(k) == self.sum_of_rows.get(k) for k in COUNT_KEYS)

    @property
    def title(self) -> str:
        """The report's title in the active language (the page's and the .xlsx's)."""
        return _(
            "%(organization)s: monthly statistical report on mobile party members, "
            "%(year)d-%(month)02d"
        ) % {"organization": self.organization.name, "year": self.year, "month": self.month}

    def as_dict(self) -> dict[str, Any]:
        return {
            "organization": self.organization.code,
            "year": self.year,
            "month": self.month,
            "as_of": self.as_of.isoformat(),
            "live": self.live,
            "demo": self.demo,
            "columns": [k for k, _t in COLUMNS],
            "rows": self.rows,
            "total": self.total,
            "sum_of_rows": self.sum_of_rows,
            "totals_match": self.totals_match,
            "missing": self.missing,
            "parts": {p.key: p.as_dict() for p in self.parts},
        }


def parse_month(value: str, today: datetime.date | None = None) -> tuple[int, int]:
    """``2025-06`` → (2025, 6); empty → this month. Refuses months in the future."""
    today = today or timezone.localdate()
    if not value:
        return today.year, today.month
    try:
        year, month = (int(part) for part in value.split("-", 1))
        datetime.date(year, month, 1)
    except (ValueError, TypeError) as exc:
        raise DomainError("bad_month", _("Give the month as YYYY-MM."), "month") from exc
    if (year, month) > (today.year, today.month):
        raise DomainError("month_in_future", _("This month lies in the future."), "month")
    return year, month


def _rates(values: dict[str, Any]) -> dict[str, Any]:
    def rate(part: str, whole: str) -> float | None:
        return round(100.0 * values[part] / values[whole], 1) if values.get(whole) else None

    values["coverage"] = rate("managed", "found")
    values["in_province_coverage"] = rate("in_province_managed", "in_province")
    values["out_of_province_coverage"] = rate("out_of_province_managed", "out_of_province")
    return values


def _sum(rows: list[dict[str, Any]]) -> dict[str, Any]:
    keys = [*COUNT_KEYS, "in_province", "in_province_managed", "out_of_province"]
    keys.append("out_of_province_managed")
    return _rates({k: sum(int(r.get(k) or 0) for r in rows) for k in keys})


def monthly_report(
    user: Any, org: Organization, year: int, month: int, *, today: datetime.date | None = None
) -> Report:
    today = today or timezone.localdate()
    live = (year, month) == (today.year, today.month)
    if live:
        rows, total = figures.org_rows(user, org, today=today)
        report = Report(org, year, month, today, True)
        report.rows = [
            {"organization": r.code, "label": r.label, **_rates(figures.snapshot_figures(r))}
            for r in rows
        ]
        report.total = {
            "organization": org.code,
            "label": _("Total"),
            **_rates(figures.snapshot_figures(total)),
        }
    else:
        report = _from_snapshots(user, org, year, month)
    report.sum_of_rows = _sum(report.rows)
    report.parts = report_services.part_tables(user, org, year, month)
    return report


def _from_snapshots(user: Any, org: Organization, year: int, month: int) -> Report:
    """A past month: the snapshots on the last day of the month that has them."""
    first = datetime.date(year, month, 1)
    last = first.replace(day=calendar.monthrange(year, month)[1])
    children = figures.child_rows_of(org)
    wanted = [org, *children]
    snaps = visible_to(
        user,
        Snapshot.objects.filter(organization__in=wanted, day__gte=first, day__lte=last).order_by(
            "organization_id", "-day"
        ),
    )
    latest: dict[int, Snapshot] = {}
    for snap in snaps:
        latest.setdefault(snap.organization_id, snap)
    own = latest.get(org.pk)
    as_of = own.day if own else last
    report = Report(org, year, month, as_of, False, demo=bool(own and own.demo))
    for child in children:
        snap = latest.get(child.pk)
        if snap is None:
            report.missing.append(child.short_name or child.name)
            continue
        report.rows.append(
            {
                "organization": child.code,
                "label": child.short_name or child.name,
                **_rates(dict(snap.figures)),
            }
        )
    if own is None:
        raise DomainError(
            "no_snapshot",
            _("No figures were kept for that month (the daily snapshot did not run)."),
            "month",
        )
    direct = dict(own.figures.get("direct") or {})
    if direct and any(direct.get(k) for k in COUNT_KEYS):
        report.rows.append(
            {
                "organization": "",
                "label": _("Directly under %(name)s") % {"name": org.short_name or org.name},
                **_rates(direct),
            }
        )
    report.total = {"organization": org.code, "label": _("Total"), **_rates(dict(own.figures))}
    return report


# --- the spreadsheet ----------------------------------------------------------------------


def to_xlsx(report: Report) -> bytes:
    """The report as .xlsx: title, header, one row per organization, a SUM totals row, and
    the independently computed total beside it as a check."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = xlsx.workbook()
    ws = wb.active
    ws.title = f"{report.year}-{report.month:02d}"
    width = len(COLUMNS) + 2
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    xlsx.write(ws, 1, 1, report.title).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    source = "实时统计" if report.live else "月末快照"
    if report.demo:
        source += "，演示数据，非实测"
    xlsx.write(
        ws, 2, 1, f"统计截至 {report.as_of.isoformat()}（{source}）；纳管率 = 已纳管 ÷ 在册流动党员"
    )
    header = ["序号", "单位", *[title for _key, title in COLUMNS]]
    fill = PatternFill("solid", fgColor="C8161D")
    for col, title in enumerate(header, start=1):
        cell = xlsx.write(ws, 4, col, title)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    ws.row_dimensions[4].height = 32
    first = 5
    for i, row in enumerate(report.rows):
        r = first + i
        xlsx.write(ws, r, 1, i + 1)
        xlsx.write(ws, r, 2, row["label"])
        for j, (key, _title) in enumerate(COLUMNS, start=3):
            xlsx.write(ws, r, j, row.get(key))
        for col in range(1, width + 1):
            ws.cell(r, col).border = border
    last = first + len(report.rows) - 1
    total_row = last + 1
    xlsx.write(ws, total_row, 2, "合计").font = Font(bold=True)
    for j, (key, _title) in enumerate(COLUMNS, start=3):
        letter = get_column_letter(j)
        if key in RATE_KEYS:
            cell = xlsx.write(ws, total_row, j, report.total.get(key))
        elif report.rows:
            cell = xlsx.formula(ws, total_row, j, f"=SUM({letter}{first}:{letter}{last})")
        else:
            cell = xlsx.write(ws, total_row, j, 0)
        cell.font = Font(bold=True)
    for col in range(1, width + 1):
        ws.cell(total_row, col).border = border
        ws.cell(total_row, col).fill = PatternFill("solid", fgColor="F4F5F7")
    check_row = total_row + 1
    xlsx.write(ws, check_row, 2, "核对（独立统计）")
    for j, (key, _title) in enumerate(COLUMNS, start=3):
        if key not in RATE_KEYS:
            xlsx.write(ws, check_row, j, report.total.get(key))
    xlsx.write(
        ws,
        check_row + 1,
        2,
        "合计与分项之和一致" if report.totals_match else "合计与分项之和不一致",
    )
    if report.missing:
        xlsx.write(ws, check_row + 2, 2, "缺少当月快照：" + "、".join(report.missing))
    # The written definitions (统计口径) of the figures, as on the page.
    from django.utils import translation

    from liudong.analytics.figures.definitions import definitions

    with translation.override("zh-hans"):
        written = [(str(d.name), d.text) for d in definitions()]
    start = check_row + 4
    xlsx.write(ws, start, 2, "统计口径").font = Font(bold=True)
    for i, (name, text) in enumerate(written, start=1):
        xlsx.write(ws, start + i, 2, name)
        xlsx.write(ws, start + i, 3, text)
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 22
    for j in range(3, width + 1):
        ws.column_dimensions[get_column_letter(j)].width = 11
    ws.freeze_panes = "C5"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    report_services.write_tables(wb, report.parts, report.year, report.month)
    return xlsx.save(wb)
