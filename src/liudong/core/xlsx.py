"""Writing .xlsx workbooks: every cell the project writes goes through here, so that no text
from the data is ever stored as a formula, and every .xlsx download is answered here.

Text that a spreadsheet could take for a formula (starting with = + - @, a tab or a
carriage return) is stored as a string cell with Excel's quote prefix: shown exactly as
typed, never evaluated, not even after the cell is edited (decision 61). openpyxl alone
would store a text starting with "=" as a formula. The one deliberate formula of the
project (the monthly report's SUM row) is written by :func:`formula`, which takes only
a sum over a range.

Workbooks are made, opened for editing and saved here only (``tests/core/test_xlsx.py``
holds every other module to it): :func:`workbook`, :func:`edit`, :func:`save`,
:func:`save_to`. Cells are written with :func:`write` (a normal sheet) or :func:`row` /
:func:`cell` (rows appended to a sheet, write-only or not). Saving passes over a normal
workbook once more, so a cell written past these functions is neutralised too.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

from django.http import FileResponse, HttpResponse

if TYPE_CHECKING:  # openpyxl (and numpy, which it imports) only when a workbook is made
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd"
# The only formula written on purpose: a sum over one range of the same sheet.
# openpyxl's ILLEGAL_CHARACTERS_RE (the control characters XML 1.0 cannot hold), here so
# that the modules checking text against it (the ledger's forms, the census) do not import
# openpyxl.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_SUM = re.compile(r"=SUM\([A-Z]{1,3}[1-9][0-9]{0,6}:[A-Z]{1,3}[1-9][0-9]{0,6}\)")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could take this text for a formula (when opened or edited)."""
    return text.startswith(FORMULA_STARTS)


def workbook(*, write_only: bool = False) -> Workbook:
    """A new workbook (write-only: rows are appended and streamed, for long sheets)."""
    from openpyxl import Workbook

    return Workbook(write_only=write_only)


def edit(path: str | Path) -> Workbook:
    """An existing workbook (an uploaded file) opened to be written to and saved again."""
    from openpyxl import load_workbook

    return load_workbook(path)


def _clean(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _neutralise(target: Cell) -> None:
    target.data_type = "s"  # openpyxl made a text starting with "=" a formula ("f")
    target.quotePrefix = True  # Excel and WPS keep it text even when the cell is edited


def _fill(target: Cell, value: Any) -> Cell:
    if isinstance(value, str):
        value = _clean(value)
        target.value = value
        if looks_like_formula(value):
            _neutralise(target)
        return target
    target.value = value
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        target.number_format = DATE_FORMAT
    return target


def cell(sheet: Any, value: Any) -> Cell:
    """A cell holding ``value`` for ``sheet.append`` (styles may be set on it)."""
    from openpyxl.cell import WriteOnlyCell

    return _fill(WriteOnlyCell(sheet), value)


def value_for(sheet: Any, value: Any) -> Any:
    """What to append for ``value``: the plain value when it is safe as it is (cheap, for
    long sheets), otherwise a cell that keeps it text or shows it as a date."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        if looks_like_formula(value) or ILLEGAL_CHARACTERS_RE.search(value):
            return cell(sheet, value)
        return value  # plain text: openpyxl stores it as a string
    if isinstance(value, datetime.date):
        return cell(sheet, value)
    return value  # numbers stay numbers, negative ones too


def row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """A row for ``sheet.append``, every value through :func:`value_for`."""
    return [value_for(sheet, v) for v in values]


def write(sheet: Any, row: int, column: int, value: Any) -> Cell:
    """Write ``value`` at (row, column) of a normal sheet; returns the cell for styling."""
    return _fill(sheet.cell(row=row, column=column), value)


def formula(sheet: Any, row: int, column: int, expression: str) -> Cell:
    """The one deliberate formula: ``=SUM(C5:C9)``; anything else is refused."""
    if not _SUM.fullmatch(expression):
        raise ValueError(f"not a sum over a range: {expression!r}")
    target = sheet.cell(row=row, column=column)
    target.value = expression
    return target


def _is_deliberate(target: Cell) -> bool:
    return isinstance(target.value, str) and bool(_SUM.fullmatch(target.value))


def neutralise_all(book: Workbook) -> None:
    """Every cell of a normal workbook once more: text that looks like a formula is made
    text with the quote prefix, whoever wrote it (an uploaded file's own cells too)."""
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            for target in line:
                if target.data_type == "f":
                    if not _is_deliberate(target):
                        _neutralise(target)
                elif (
                    target.data_type == "s"
                    and isinstance(target.value, str)
                    and looks_like_formula(target.value)
                    and not target.quotePrefix
                ):
                    target.quotePrefix = True


def save_to(book: Workbook, out: IO[bytes]) -> None:
    """Save ``book`` into ``out`` (a file, for a long sheet)."""
    if not book.write_only:
        neutralise_all(book)
    book.save(out)


def save(book: Workbook) -> bytes:
    """``book`` as bytes."""
    buffer = io.BytesIO()
    save_to(book, buffer)
    return buffer.getvalue()


def response(content: bytes | IO[bytes], filename: str) -> HttpResponse:
    """The download of a workbook: bytes, or an open file the response closes once sent.
    Only views marked :func:`download` answer with it (a test walks them all)."""
    if isinstance(content, bytes):
        answer: HttpResponse = HttpResponse(content, content_type=CONTENT_TYPE)
        answer["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
        return answer
    return FileResponse(content, as_attachment=True, filename=filename, content_type=CONTENT_TYPE)


def download(view: Callable[..., Any]) -> Callable[..., Any]:
    """``@xlsx.download`` on a view that may answer with a workbook: the test of every
    workbook route finds it by this mark (like :func:`liudong.core.decorators.shows`)."""
    view.xlsx_download = True  # type: ignore[attr-defined]
    return view
