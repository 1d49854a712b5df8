"""Finding what calamine does not tell: formula cells (it gives their values), and, for the
formats it does not count or merge, the data sheet's rows holding a value and its merged
ranges. One cheap pass per format, before the cells are read:

* .xlsx: the ``<f>`` elements of the sheet's XML, fed block by block by ``files.scan_sheet``;
* .xls: FORMULA records (BIFF 0x0006) in the data sheet's part of the workbook stream;
* .ods: ``table:formula`` attributes in ``content.xml`` (found by a byte search; the cells
  are located by a streaming parse only when the search finds one).

Cells are named like Excel's (``B7``); past :data:`MAX_NAMED` only the count is kept.
"""

from __future__ import annotations

import contextlib
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_NAMED = 10_000  # formula cells named one by one; more refuse the file as a whole
CHUNK = 1024 * 1024


@dataclass
class Formulas:
    cells: set[tuple[int, int]] = field(default_factory=set)  # (1-based row, 0-based column)
    count: int = 0
    unnamed: bool = False  # a formula whose cell could not be told

    def add(self, row: int, col: int) -> None:
        self.count += 1
        if len(self.cells) < MAX_NAMED:
            self.cells.add((row, col))

    @property
    def named(self) -> bool:
        """Every formula cell is known by name (so each row can say which cell)."""
        return not self.unnamed and self.count <= MAX_NAMED

    def first_refs(self, n: int = 5) -> list[str]:
        from liudong.census.columns import column_letter

        return [f"{column_letter(c)}{r}" for r, c in sorted(self.cells)[:n]]


def cell_ref(ref: bytes | str) -> tuple[int, int]:
    """``B7`` -> (7, 1)."""
    text = ref.decode() if isinstance(ref, bytes) else ref
    letters = text.rstrip("0123456789")
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(text[len(letters) :]), col - 1


# --- .xlsx --------------------------------------------------------------------------------

_CELL_OR_FORMULA = re.compile(rb"(?P<c><(?:\w+:)?c\s[^>]*)|(?P<f><(?:\w+:)?f[\s>/])")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_REF = re.compile(rb'\br="([A-Z]{1,3}[0-9]+)"')


class XlsxFinder:
    """The cells holding an ``<f>`` element, from a sheet's XML in blocks cut between tags."""

    def __init__(self) -> None:
        self.found = Formulas()
        self.cell: bytes | None = None  # the last cell opened (its r="...")

    def feed(self, data: bytes) -> None:
        if _FORMULA.search(data) is None:  # most blocks: only remember the last cell
            at = max(data.rfind(b"<c "), data.rfind(b":c "))
            if at != -1:
                self._open(data[at : data.find(b">", at) + 1 or None])
            return
        for match in _CELL_OR_FORMULA.finditer(data):
            if match.lastgroup == "f":
                self._formula()
            else:
                self._open(match[0])

    def _open(self, tag: bytes) -> None:
        ref = _REF.search(tag)
        self.cell = ref[1] if ref else None

    def _formula(self) -> None:
        if self.cell is None:
            self.found.count += 1
            self.found.unnamed = True
        else:
            self.found.add(*cell_ref(self.cell))


# --- .xls ---------------------------------------------------------------------------------

FORMULA, BOUNDSHEET, EOF, BOF = 0x0006, 0x0085, 0x000A, 0x0809
VALUES = frozenset((0x00FD, 0x0203, 0x027E, 0x00BD, 0x0204, 0x0205, 0x0006, 0x00D6))


@dataclass
class BookFacts:
    """What a first pass over a non-xlsx workbook finds for its data sheet."""

    sheet: str
    rows_with_values: int = 0
    first_rows: list[int] = field(default_factory=list)
    formulas: Formulas = field(default_factory=Formulas)
    merged: list[str] = field(default_factory=list)

    def rows_below(self, header_row: int) -> int:
        return self.rows_with_values - sum(1 for n in self.first_rows if n <= header_row)

    def saw_row(self, number: int) -> None:
        self.rows_with_values += 1
        if len(self.first_rows) < 20:
            self.first_rows.append(number)


def xls_facts(path: Path, wanted: str) -> BookFacts:
    """The data sheet (``wanted`` if there, else the first) of an .xls: its rows holding a
    value and its formula cells, from the BIFF records (no cell is decoded)."""
    import olefile

    with contextlib.closing(olefile.OleFileIO(str(path))) as ole:
        data = ole.openstream("Workbook").read()
    sheets = _boundsheets(data)
    if not sheets:
        raise ValueError("no sheet")
    name, offset = next(((n, o) for n, o in sheets if n == wanted), sheets[0])
    facts = BookFacts(name)
    unpack = struct.Struct("<HH").unpack_from
    at, end, last_row = offset, len(data), -1
    seen: set[int] = set()
    while at + 4 <= end:
        kind, size = unpack(data, at)
        if kind in VALUES and size >= 4:
            row, col = unpack(data, at + 4)
            if kind == FORMULA:
                facts.formulas.add(row + 1, col)
            if row != last_row and row not in seen:
                seen.add(row)
                last_row = row
        elif kind == EOF:
            break
        at += 4 + size
    for row in sorted(seen):
        facts.saw_row(row + 1)
    return facts


def _boundsheets(data: bytes) -> list[tuple[str, int]]:
    """(sheet name, offset of its BOF) for the worksheets, from the workbook globals."""
    found = []
    at = 0
    while at + 4 <= len(data):
        kind, size = struct.unpack_from("<HH", data, at)
        body = data[at + 4 : at + 4 + size]
        if kind == BOUNDSHEET and len(body) >= 8:
            (offset,) = struct.unpack_from("<I", body)
            kind_of_sheet, length, flags = body[5], body[6], body[7]
            raw = body[8:]
            name = (
                raw[: length * 2].decode("utf-16-le", "replace")
                if flags & 1
                else (raw[:length].decode("latin-1"))
            )
            if kind_of_sheet == 0:  # a worksheet (not a chart or macro sheet)
                found.append((name, offset))
        elif kind == EOF:
            break
        at += 4 + size
    return found


# --- .ods ---------------------------------------------------------------------------------

NS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
T = f"{{{NS_TABLE}}}"
_TABLE_OPEN = re.compile(rb'<table:table\s[^>]*?table:name="([^"]*)"')
_ROWS_REPEATED = re.compile(rb'table:number-rows-repeated="(\d+)"')
_VALUE = (b"office:value-type=", b"<text:p>", b"<text:p ")
ROW_CLOSE = b"</table:table-row>"


def ods_facts(archive: zipfile.ZipFile, wanted: str) -> BookFacts:
    """The data sheet of an .ods: a byte pass over ``content.xml`` counts its rows holding a
    value and notices formulas and merged cells; only then a streaming parse names them."""
    import html

    names: list[str] = []
    counts: dict[str, BookFacts] = {}
    special: set[str] = set()
    current = ""
    number = 0
    pending = b""
    with archive.open("content.xml") as stream:
        while True:
            block = stream.read(CHUNK)
            pieces = (pending + block).split(ROW_CLOSE)
            pending = pieces.pop() if block else b""
            for piece in pieces:
                opened = list(_TABLE_OPEN.finditer(piece))
                if opened:
                    current = html.unescape(opened[-1][1].decode("utf-8", "replace"))
                    names.append(current)
                    counts[current] = BookFacts(current)
                    number = 0
                start = piece.rfind(b"<table:table-row")
                if start == -1 or current not in counts:
                    continue
                row = piece[start:]
                repeat = _ROWS_REPEATED.search(row[: row.find(b">") + 1])
                times = min(int(repeat[1]), 10**7) if repeat else 1
                if any(v in row for v in _VALUE):
                    for n in range(number + 1, number + 1 + min(times, 100_000)):
                        counts[current].saw_row(n)
                    counts[current].rows_with_values += max(0, times - 100_000)
                if b"table:formula=" in row or b"-spanned=" in row:
                    special.add(current)
                number += times
            if len(pending) > 64 * CHUNK:  # one row of 64 MB: no spreadsheet has one
                raise ValueError("row too long")
            if not block:
                break
    if not names:
        raise ValueError("no sheet")
    name = wanted if wanted in counts else names[0]
    facts = counts[name]
    if name in special:
        _ods_cells(archive, name, facts)
    return facts


def _ods_cells(archive: zipfile.ZipFile, name: str, facts: BookFacts) -> None:
    """Name the formula cells and merged ranges of one table (a streaming parse)."""
    from liudong.census.columns import column_letter

    inside = False
    row = col = 0
    with archive.open("content.xml") as stream:
        for event, element in ET.iterparse(stream, events=("start", "end")):
            tag = element.tag
            if tag == f"{T}table":
                if event == "start":
                    inside = element.get(f"{T}name") == name
                    row = 0
                elif inside:
                    return
                continue
            if not inside:
                if event == "end" and tag == f"{T}table-row":
                    element.clear()
                continue
            if tag == f"{T}table-row":
                if event == "start":
                    col = 0
                else:
                    row += int(element.get(f"{T}number-rows-repeated", "1"))
                    element.clear()
            elif event == "start" and tag in (f"{T}table-cell", f"{T}covered-table-cell"):
                times = int(element.get(f"{T}number-columns-repeated", "1"))
                if element.get(f"{T}formula") is not None:
                    for c in range(col, col + min(times, 1024)):
                        facts.formulas.add(row + 1, c)
                across = int(element.get(f"{T}number-columns-spanned", "1"))
                down = int(element.get(f"{T}number-rows-spanned", "1"))
                if across > 1 or down > 1:
                    facts.merged.append(
                        f"{column_letter(col)}{row + 1}:"
                        f"{column_letter(col + across - 1)}{row + down}"
                    )
                col += times
