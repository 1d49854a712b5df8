"""The same census rows saved as .xlsx (openpyxl), .xls (xlwt, as Excel 97-2003 and WPS save
it) and .ods (the OpenDocument XML LibreOffice writes, built by hand: no LibreOffice here).

A cell value is written as it is; ``Formula(text)`` writes a formula cell (with a cached
value where the format keeps one), ``datetime.date`` a date cell."""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from openpyxl import Workbook

from liudong.census.columns import COLUMNS, DATA_SHEET, template_header


@dataclass(frozen=True)
class Formula:
    expression: str  # without the "=" sign, e.g. CONCAT("某","公司")
    value: str = "某公司"  # the cached result


def table(rows: Iterable[dict[str, Any]]) -> list[list[Any]]:
    """The header row and the rows, in the template's column order."""
    keys = [c.key for c in COLUMNS]
    return [[template_header(c) for c in COLUMNS]] + [[r.get(k) for k in keys] for r in rows]


def xlsx(rows: list[list[Any]], sheet: str = DATA_SHEET) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    for values in rows:
        ws.append([f"={v.expression}" if isinstance(v, Formula) else v for v in values])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xls(rows: list[list[Any]], sheet: str = DATA_SHEET, *, encrypted: bool = False) -> bytes:
    import xlwt
    from xlwt.CompoundDoc import XlsDoc

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(sheet)
    dated = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, Formula):
                ws.write(r, c, xlwt.Formula(value.expression))
            elif isinstance(value, datetime.date):
                ws.write(r, c, value, dated)
            else:
                ws.write(r, c, value)
    stream = book.get_biff_data()
    if encrypted:  # a FILEPASS record (RC4, as Excel writes) right after the globals' BOF
        size = int.from_bytes(stream[2:4], "little")
        filepass = b"\x2f\x00\x36\x00" + b"\x01\x00\x01\x00\x01\x00" + b"\x11" * 48
        stream = stream[: 4 + size] + filepass + stream[4 + size :]
    out = io.BytesIO()
    XlsDoc().save(out, stream)
    return out.getvalue()


ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"'
)


def _ods_cell(value: Any) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, Formula):
        formula = quoteattr(f"of:={value.expression.replace(',', ';')}")
        return (
            f'<table:table-cell table:formula={formula} office:value-type="string" '
            f'office:string-value="{escape(value.value)}"><text:p>{escape(value.value)}</text:p>'
            "</table:table-cell>"
        )
    if isinstance(value, datetime.date):
        iso = value.isoformat()
        return (
            f'<table:table-cell office:value-type="date" office:date-value="{iso}">'
            f"<text:p>{iso}</text:p></table:table-cell>"
        )
    if isinstance(value, bool | int | float):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p>'
        "</table:table-cell>"
    )


def ods(
    rows: list[list[Any]],
    sheet: str = DATA_SHEET,
    *,
    mime: str = ODS_MIME,
    trailing_empty_rows: int = 0,
    merge: tuple[int, int, int] | None = None,  # (row, column, rows spanned), 0-based
) -> bytes:
    body = []
    for r, values in enumerate(rows):
        cells = []
        for c, value in enumerate(values):
            cell = _ods_cell(value)
            if merge and (r, c) == merge[:2]:
                cell = cell.replace(
                    "<table:table-cell",
                    f'<table:table-cell table:number-rows-spanned="{merge[2]}"',
                    1,
                )
            elif merge and c == merge[1] and merge[0] < r < merge[0] + merge[2]:
                cell = "<table:covered-table-cell/>"
            cells.append(cell)
        body.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
    if trailing_empty_rows:  # as LibreOffice writes the formatted empty rows below the data
        body.append(
            f'<table:table-row table:number-rows-repeated="{trailing_empty_rows}">'
            '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
        )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<office:document-content {_NAMESPACES} office:version="1.2"><office:body>'
        f"<office:spreadsheet><table:table table:name={quoteattr(sheet)}>{''.join(body)}"
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        f'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        f'manifest:media-type="{mime}"/><manifest:file-entry manifest:full-path="content.xml" '
        'manifest:media-type="text/xml"/></manifest:manifest>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mime)  # first and stored, as ODF asks
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


WRITERS = {"xlsx": xlsx, "xls": xls, "ods": ods}
