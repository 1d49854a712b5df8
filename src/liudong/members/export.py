"""Export a ledger view to .xlsx: exactly the filtered rows, scoped, masked unless revealed.

The sheet is a data format as much as a report: Chinese headers like the paper ledger, a
hidden key column (flow record and member, signed: :mod:`liudong.members.keys`) so a
re-import through the census updates exactly the rows it names rather than duplicating
them, dates as dates, the header row frozen. Written in openpyxl's write-only mode, row by
row from a database cursor, so a county's whole ledger fits in little memory.

Every cell goes through the project's one cell writer (:mod:`liudong.core.xlsx`): text that
a spreadsheet could take for a formula is stored as text, never evaluated.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils import timezone, translation
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from liudong.codes import queries as codes
from liudong.core import audit, masking, xlsx
from liudong.members import keys
from liudong.members.filters import LedgerFilter
from liudong.members.models import Direction, FlowRecord, FlowScope, FlowStatus, Membership
from liudong.members.queries import Ledger, get_ledger, ledger_rows
from liudong.regions.models import Place

DEFAULT_MAX_ROWS = 100_000
KEY_HEADER = "记录键"


def max_rows() -> int:
    return int(getattr(settings, "LIUDONG_EXPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def row_key(flow: FlowRecord) -> str:
    """The hidden key of a row: flow record and member ids, for a later re-import."""
    return key_of(flow.pk, flow.member_id)


def key_of(flow_id: int, member_id: int) -> str:
    """Signed (:mod:`liudong.members.keys`): the census takes back exactly these rows."""
    return keys.record_key(flow_id, member_id)


# The columns read per row: plain values (no model instances), so a big export spends its
# time writing the sheet, not building objects.
FIELDS = (
    "pk",
    "member_id",
    "member__name",
    "member__sex",
    "member__id_number_masked",
    "member__phone_masked",
    "member__membership",
    "member__home_organization__name",
    "member__home_organization_name",
    "direction",
    "flow_scope",
    "origin_place_id",
    "destination_place_id",
    "destination_address",
    "employer",
    "reason",
    "left_on",
    "expected_return_on",
    "inflow_organization__name",
    "status",
    "status_changed_on",
    "managed_on",
    "last_contact_on",
    "is_open",
)
SECRET_FIELDS = ("member__id_number", "member__phone")


class Labels:
    """Every label the sheet needs, looked up once per export (in the active language)."""

    def __init__(self) -> None:
        self.sex = dict(codes.choices("sex", include_inactive=True))
        self.reason = dict(codes.choices("flow_reason", include_inactive=True))
        self.membership = {k: str(v) for k, v in Membership.choices}
        self.direction = {k: str(v) for k, v in Direction.choices}
        self.scope = {k: str(v) for k, v in FlowScope.choices}
        self.status = {k: str(v) for k, v in FlowStatus.choices}
        self._places: dict[str, str] | None = None

    def place(self, code: str | None) -> str:
        if not code:
            return ""
        if self._places is None:  # ~3,000 places, read once, full names built once
            self._places = {
                p.code: p.full_name for p in Place.objects.select_related("parent__parent")
            }
        return self._places.get(code, code)


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    value: Callable[[dict[str, Any], Labels, bool], Any]


def _id_number(row: dict[str, Any], _labels: Labels, full: bool) -> str:
    return row["member__id_number"] if full else row["member__id_number_masked"]


def _phone(row: dict[str, Any], _labels: Labels, full: bool) -> str:
    return row["member__phone"] if full else row["member__phone_masked"]


def _home(row: dict[str, Any], _labels: Labels, _full: bool) -> str:
    return row["member__home_organization__name"] or row["member__home_organization_name"]


COLUMNS: tuple[Column, ...] = (
    Column(KEY_HEADER, 14, lambda r, _l, _f: key_of(r["pk"], r["member_id"])),
    Column("姓名", 12, lambda r, _l, _f: r["member__name"]),
    Column("性别", 6, lambda r, labels, _f: labels.sex.get(r["member__sex"], r["member__sex"])),
    Column("公民身份号码", 22, _id_number),
    Column("手机号码", 15, _phone),
    Column("党员类别", 10, lambda r, labels, _f: labels.membership.get(r["member__membership"])),
    Column("组织关系所在党组织", 32, _home),
    Column("流动方向", 8, lambda r, labels, _f: labels.direction.get(r["direction"])),
    Column("流动范围", 16, lambda r, labels, _f: labels.scope.get(r["flow_scope"])),
    Column("流出地", 22, lambda r, labels, _f: labels.place(r["origin_place_id"])),
    Column("流入地", 24, lambda r, labels, _f: labels.place(r["destination_place_id"])),
    Column("详细地址", 30, lambda r, _l, _f: r["destination_address"]),
    Column("工作单位", 26, lambda r, _l, _f: r["employer"]),
    Column("流动原因", 10, lambda r, labels, _f: labels.reason.get(r["reason"], r["reason"])),
    Column("外出日期", 12, lambda r, _l, _f: r["left_on"]),
    Column("预计返回日期", 12, lambda r, _l, _f: r["expected_return_on"]),
    Column("流入地党组织（联络站）", 32, lambda r, _l, _f: r["inflow_organization__name"]),
    Column("状态", 14, lambda r, labels, _f: labels.status.get(r["status"])),
    Column("状态日期", 12, lambda r, _l, _f: r["status_changed_on"]),
    Column("纳管日期", 12, lambda r, _l, _f: r["managed_on"]),
    Column("最近联系日期", 12, lambda r, _l, _f: r["last_contact_on"]),
)


@dataclass
class Export:
    file: IO[bytes]
    filename: str
    rows: int
    full: bool


class TooManyRows(Exception):
    def __init__(self, count: int, limit: int) -> None:
        super().__init__(f"{count} rows, the limit is {limit}")
        self.count = count
        self.limit = limit


def write_workbook(rows: Any, out: IO[bytes], *, full: bool, title: str) -> int:
    """Write the rows (dicts of :data:`FIELDS`, and :data:`SECRET_FIELDS` when ``full``,
    with the query's ``contact_overdue``) to ``out``; returns how many."""
    book = xlsx.workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    for index, column in enumerate(COLUMNS, start=1):
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
    sheet.column_dimensions["A"].hidden = True  # the key, for re-import
    overdue_col = get_column_letter(len(COLUMNS) + 1)
    sheet.column_dimensions[overdue_col].width = 10
    sheet.freeze_panes = "C2"  # the header row, and the name beside the hidden key
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="F3F4F6")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header = []
    for text in [*(c.header for c in COLUMNS), "联系逾期"]:
        head = xlsx.cell(sheet, text)
        head.font, head.fill, head.alignment = bold, fill, centre
        header.append(head)
    sheet.append(header)
    count = 0
    labels = Labels()
    for row in rows:
        values = xlsx.row(sheet, (column.value(row, labels, full) for column in COLUMNS))
        values.append("是" if row["contact_overdue"] else None)
        sheet.append(values)
        count += 1
    xlsx.save_to(book, out)
    return count


def export_ledger(
    user: Any,
    ledger: str | Ledger,
    filters: LedgerFilter | Mapping[str, Any] | None,
    *,
    want_full: bool = False,
) -> Export:
    """The ledger view as a workbook. Full ID and phone numbers only when the user may
    reveal them and asks for it; every export, masked or full, leaves an audit row."""
    ledger = get_ledger(ledger)
    flt = filters if isinstance(filters, LedgerFilter) else LedgerFilter.from_params(filters)
    full = bool(want_full and user.can("pii.reveal"))
    rows = ledger_rows(user, ledger, flt, secrets=full)
    total = rows.count()
    limit = max_rows()
    if total > limit:
        raise TooManyRows(total, limit)
    # Handed to the response, which closes (and so deletes) it once sent.
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    with translation.override("zh-hans"):  # the sheet's labels, like its headers
        fields = (*FIELDS, *SECRET_FIELDS) if full else FIELDS
        count = write_workbook(
            rows.values(*fields, "contact_overdue").iterator(chunk_size=2000),
            out,
            full=full,
            title=ledger.sheet,
        )
    out.seek(0)
    detail = f"ledger={ledger.key} rows={count} full={'yes' if full else 'no'}"
    if want_full and not full:
        detail += " (full refused: no reveal right)"
    query = masking.mask_query(flt.params())
    if query:
        detail += f" filters={query}"
    with audit.action("ledger.export", actor=user):
        audit.record("export", detail=detail[:500])
    filename = f"{ledger.sheet}-{timezone.localdate():%Y%m%d}.xlsx"
    return Export(file=out, filename=filename, rows=count, full=full)
