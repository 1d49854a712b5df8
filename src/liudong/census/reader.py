"""Streaming the data sheet of an uploaded workbook: openpyxl read-only, one row at a time,
so memory stays flat however long the file is."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException

from liudong.census import files
from liudong.census.columns import (
    BY_KEY,
    COLUMNS,
    DATA_SHEET,
    IGNORED_HEADERS,
    column_letter,
    fold,
    header_lookup,
)
from liudong.core.errors import DomainError

HEADER_SEARCH_ROWS = 10


@dataclass
class Sheet:
    """The opened data sheet: where each column is and the rows below the header."""

    workbook: Any
    worksheet: Any
    header_row: int
    positions: dict[str, int]  # column key -> 0-based index
    unknown_headers: list[str] = field(default_factory=list)
    merged: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # row -> (key, ref)
    data_rows: int = 0  # rows holding a value below the header (counted before any check)

    def letter(self, key: str | None) -> str:
        if key is None or key not in self.positions:
            return "A"
        return column_letter(self.positions[key])

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(row number, {column key: raw value}) for every non-empty row below the header."""
        limit = files.max_rows()
        count = 0
        positions = list(self.positions.items())
        number = self.header_row
        cells = self.worksheet.iter_rows(min_row=self.header_row + 1, values_only=True)
        while True:
            try:
                values = next(cells, None)
            except files.READ_ERRORS as exc:  # a damaged part: bad checksum, XML cut short
                raise files.damaged() from exc
            if values is None:
                return
            number += 1
            if not values or all(
                v is None or (isinstance(v, str) and not v.strip()) for v in values
            ):
                continue
            count += 1
            if count > limit:  # the scan's count was fooled (no row numbers, say)
                raise files.too_many_rows(limit)
            size = len(values)
            yield number, {key: values[i] if i < size else None for key, i in positions}

    def close(self) -> None:
        self.workbook.close()


def open_sheet(path: Path) -> Sheet:
    """Check the container, open the data sheet and map its headers; raise DomainError."""
    facts = files.check_zip(path)
    # Over the row limit: refused before openpyxl opens the file (which, for a sheet without
    # its size written, reads the whole sheet once to learn it). Whatever the header row (at
    # most HEADER_SEARCH_ROWS), at least this many rows hold data.
    part = facts.parts.get(DATA_SHEET) or next(iter(facts.parts.values()), "")
    scanned = facts.sheets.get(part)
    if scanned is not None and scanned.rows_below(HEADER_SEARCH_ROWS) > files.max_rows():
        raise files.too_many_rows(files.max_rows())
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, *files.READ_ERRORS) as exc:
        raise files.damaged() from exc
    except Exception as exc:  # XML errors of every kind from a damaged part
        raise files.damaged() from exc
    try:
        return _map_sheet(workbook, facts)
    except Exception:
        workbook.close()
        raise


def _map_sheet(workbook: Any, facts: files.ZipFacts) -> Sheet:
    names = workbook.sheetnames
    name = DATA_SHEET if DATA_SHEET in names else names[0]
    worksheet = workbook[name]
    lookup = header_lookup()
    best: tuple[int, int, tuple[Any, ...]] = (0, 0, ())
    try:
        for number, values in enumerate(
            worksheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True), start=1
        ):
            hits = sum(1 for v in values if fold(v) in lookup)
            if hits > best[0]:
                best = (hits, number, values)
    except Exception as exc:
        raise files.damaged() from exc
    hits, header_row, headers = best
    if hits < 3:
        raise DomainError(
            "headers_missing",
            _(
                "No header row found in the sheet “%(sheet)s”: the first rows must hold the "
                "template's column names (姓名, 公民身份号码, ...)."
            )
            % {"sheet": name},
            "file",
        )
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for index, value in enumerate(headers):
        key = lookup.get(fold(value))
        if key is None:
            if value not in (None, "") and fold(value) not in IGNORED_HEADERS:
                unknown.append(str(value)[:40])
            continue
        if key in positions:
            raise DomainError(
                "header_repeated",
                _("The column “%(column)s” appears twice.") % {"column": BY_KEY[key].header},
                "file",
            )
        positions[key] = index
    missing = [c.header for c in COLUMNS if c.required and c.key not in positions]
    if missing:
        raise DomainError(
            "headers_required",
            _("Required columns are missing: %(columns)s. Keep the template's headers.")
            % {"columns": "、".join(missing)},
            "file",
        )
    sheet = Sheet(workbook, worksheet, header_row, positions, unknown)
    scanned = facts.sheets.get(_sheet_part(workbook, names.index(name)), files.SheetFacts())
    # Refuse a file over the row limit now, before any row is checked (the scan counted).
    sheet.data_rows = scanned.rows_below(header_row)
    if sheet.data_rows > files.max_rows():
        raise files.too_many_rows(files.max_rows())
    sheet.merged = _merged_by_row(sheet, scanned.merged)
    return sheet


def _merged_by_row(sheet: Sheet, ranges: list[str]) -> dict[int, Any]:
    """Merged ranges touching data rows, by row: each such row gets a problem."""
    by_column = {index: key for key, index in sheet.positions.items()}
    found: dict[int, list[tuple[str, str]]] = {}
    for ref in ranges:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except (ValueError, TypeError):
            continue
        if max_row <= sheet.header_row:
            if min_row <= sheet.header_row:
                raise DomainError(
                    "header_merged",
                    _("Header cells %(ref)s are merged: unmerge them.") % {"ref": ref},
                    "file",
                )
            continue
        key = next(
            (by_column[c - 1] for c in range(min_col, max_col + 1) if c - 1 in by_column), None
        )
        for row in range(max(min_row, sheet.header_row + 1), max_row + 1):
            found.setdefault(row, []).append((key or "", ref))
    return found


_SHEET_PART = re.compile(r"worksheets/sheet\d+\.xml")


def _sheet_part(workbook: Any, index: int) -> str:
    """The zip part of the index-th sheet (openpyxl keeps it on read-only sheets)."""
    worksheet = workbook.worksheets[index]
    part = getattr(worksheet, "_worksheet_path", "") or getattr(worksheet, "path", "")
    part = str(part).lstrip("/")
    return part if _SHEET_PART.search(part) else f"xl/worksheets/sheet{index + 1}.xml"
