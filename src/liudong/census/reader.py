"""Reading the data sheet of an uploaded workbook (.xlsx, .xls or .ods) with python-calamine
(Rust's calamine), one row at a time, with the same checks for every format.

Before calamine reads any cell, a cheap first pass of the format (:mod:`files` for .xlsx,
:mod:`formulas` for .xls and .ods) refuses a zip bomb, counts the rows holding a value (a
file over the row limit is refused here) and finds the formula cells and merged ranges,
which calamine does not tell. Calamine then holds the sheet's cells in its compact form and
hands Python one row at a time.
"""

from __future__ import annotations

import itertools
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine
from django.utils.translation import gettext as _

from liudong.census import files, formats
from liudong.census.columns import (
    BY_KEY,
    COLUMNS,
    DATA_SHEET,
    IGNORED_HEADERS,
    column_letter,
    fold,
    header_lookup,
    range_boundaries,
)
from liudong.census.formulas import BookFacts, Formulas, ods_facts, xls_facts
from liudong.core.errors import DomainError

HEADER_SEARCH_ROWS = 10
# A Rust panic inside calamine on a damaged file (an index past a record's end, found by
# tests/fuzz/test_census_files.py) reaches Python as pyo3's PanicException, a BaseException:
# what is caught as "damaged" is everything but these.
STOPS = (KeyboardInterrupt, SystemExit, GeneratorExit)
FORMULA = "="  # what a formula cell reads as: the checker's "formula" problem, in its cell


@dataclass
class Facts:
    """What the first pass found on the data sheet, whatever the format."""

    sheet: str
    rows: Any  # files.SheetFacts or formulas.BookFacts: rows_below(header_row)
    formulas: Formulas
    merged: list[str]


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
    formulas: set[tuple[int, int]] = field(default_factory=set)  # (row, column) of formulas
    format: str = formats.XLSX
    last_row: int = 0  # the sheet's last row holding a cell

    @property
    def total(self) -> int:
        """Rows below the header, for the progress bar."""
        return max(self.data_rows, self.last_row - self.header_row)

    def letter(self, key: str | None) -> str:
        if key is None or key not in self.positions:
            return "A"
        return column_letter(self.positions[key])

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(row number, {column key: raw value}) for every non-empty row below the header.
        Empty cells are None; a formula cell is ``"="`` (the checker names it)."""
        limit = files.max_rows()
        count = 0
        offset = _first_column(self.worksheet)
        positions = [(key, index - offset) for key, index in self.positions.items()]
        formula_rows: dict[int, list[str]] = {}
        by_index = {index: key for key, index in self.positions.items()}
        for row, col in self.formulas:
            if col in by_index:
                formula_rows.setdefault(row, []).append(by_index[col])
        number = 0
        # Rows of formulas without a kept value lie past calamine's last row: read as empty.
        after = [()] * max(0, max(formula_rows, default=0) - self.last_row)
        for values in itertools.chain(self.worksheet.iter_rows(), after):
            number += 1
            if number <= self.header_row:
                continue
            if number not in formula_rows and not any(
                v != "" and not (v.__class__ is str and not v.strip()) for v in values
            ):
                continue  # an empty row (a row of formulas is not: its cells are named)
            count += 1
            if count > limit:  # the first pass's count was fooled
                raise files.too_many_rows(limit)
            size = len(values)
            raw = {key: values[i] if 0 <= i < size else None for key, i in positions}
            for key, value in raw.items():
                if value == "":
                    raw[key] = None
            for key in formula_rows.get(number, ()):
                raw[key] = FORMULA
            yield number, raw

    def close(self) -> None:
        self.workbook.close()


def _first_column(worksheet: Any) -> int:
    """calamine's rows start at the sheet's first used column (its rows at row 1)."""
    start = worksheet.start
    return start[1] if start else 0


def open_sheet(path: Path, file_name: str = "") -> Sheet:
    """Check the file, open the data sheet and map its headers; raise DomainError."""
    with open(path, "rb") as stream:
        kind = formats.identify(stream, file_name or f"upload.{files_suffix(path)}")
    facts = first_pass(path, kind)
    # Over the row limit: refused before calamine reads the cells. Whatever the header row
    # (at most HEADER_SEARCH_ROWS), at least this many rows hold data.
    if facts.rows.rows_below(HEADER_SEARCH_ROWS) > files.max_rows():
        raise files.too_many_rows(files.max_rows())
    if not facts.formulas.named:
        raise _formulas_in_file(facts.formulas)
    try:
        workbook = _open_workbook(path)
    except python_calamine.PasswordError as exc:
        raise formats.password() from exc
    except STOPS:
        raise
    except BaseException as exc:  # calamine's errors of every kind: the file is damaged
        raise files.damaged() from exc
    try:
        return _map_sheet(workbook, facts, kind)
    except DomainError:
        workbook.close()
        raise
    except STOPS:
        workbook.close()
        raise
    except BaseException as exc:
        workbook.close()
        raise files.damaged() from exc


def _open_workbook(path: Path) -> Any:
    """calamine opens the workbook (the only place it does: tests replace this)."""
    return python_calamine.CalamineWorkbook.from_path(str(path))


def files_suffix(path: Path) -> str:
    return path.suffix.lower().lstrip(".") or formats.XLSX


def suffix_for(file_name: str) -> str:
    """The suffix of the temporary copy (calamine tells the format by it); a name that says
    no format is refused by :func:`formats.identify` before calamine opens the copy."""
    named = formats.extension(file_name)
    return f".{named if named in formats.FORMATS else formats.XLSX}"


def first_pass(path: Path, kind: str) -> Facts:
    """The format's cheap pass: container checks, rows holding a value, formulas, merges."""
    if kind == formats.XLSX:
        zipped = files.check_zip(path)
        name = DATA_SHEET if DATA_SHEET in zipped.parts else next(iter(zipped.parts), "")
        part = zipped.parts.get(name, "xl/worksheets/sheet1.xml")
        scanned = zipped.sheets.get(part, files.SheetFacts())
        return Facts(name, scanned, scanned.formulas, scanned.merged)
    if kind == formats.ODS:
        try:
            archive = zipfile.ZipFile(path)
        except formats.ZIP_ERRORS as exc:
            raise files.damaged() from exc
        with archive:
            files.check_size(archive.infolist())
            book = _guarded(lambda: ods_facts(archive, DATA_SHEET))
        return Facts(book.sheet, book, book.formulas, book.merged)
    book = _guarded(lambda: xls_facts(path, DATA_SHEET))
    return Facts(book.sheet, book, book.formulas, book.merged)


def _guarded(scan: Any) -> BookFacts:
    try:
        return scan()
    except DomainError:
        raise
    except Exception as exc:  # a part cut short, XML or records that do not add up
        raise files.damaged() from exc


def _formulas_in_file(found: Formulas) -> DomainError:
    cells = "、".join(found.first_refs())
    return DomainError(
        "file_formulas",
        _(
            "This file holds %(n)d formula cells (such as %(cells)s): replace every formula "
            "by its value (select all, copy, paste values), save and submit the file again."
        )
        % {"n": found.count, "cells": cells or "?"},
        "file",
    )


def _map_sheet(workbook: Any, facts: Facts, kind: str) -> Sheet:
    names = workbook.sheet_names
    name = facts.sheet if facts.sheet in names else DATA_SHEET if DATA_SHEET in names else names[0]
    worksheet = workbook.get_sheet_by_name(name)
    lookup = header_lookup()
    best: tuple[int, int, list[Any]] = (0, 0, [])
    offset = _first_column(worksheet)
    for number, values in enumerate(worksheet.iter_rows(), start=1):
        if number > HEADER_SEARCH_ROWS:
            break
        hits = sum(1 for v in values if fold(v) in lookup)
        if hits > best[0]:
            best = (hits, number, [None] * offset + list(values))
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
                _("The column “%(column)s” appears twice.")
                % {"column": BY_KEY[key].header if key in BY_KEY else str(value)[:40]},
                "file",
            )
        positions[key] = index
    missing = [c.header for c in COLUMNS if c.required and c.key not in positions]
    # An exported ledger read back: its keyed rows take what it lacks from their records
    # (census.keys); a row without a key is checked as any row, column by column.
    if missing and "record_key" not in positions:
        raise DomainError(
            "headers_required",
            _("Required columns are missing: %(columns)s. Keep the template's headers.")
            % {"columns": "、".join(missing)},
            "file",
        )
    sheet = Sheet(workbook, worksheet, header_row, positions, unknown, format=kind)
    # Refuse a file over the row limit now, before any row is checked (the first pass counted).
    sheet.data_rows = facts.rows.rows_below(header_row)
    if sheet.data_rows > files.max_rows():
        raise files.too_many_rows(files.max_rows())
    end = worksheet.end
    sheet.last_row = end[0] + 1 if end else 0
    sheet.formulas = facts.formulas.cells
    merged = facts.merged
    if kind == formats.XLS:
        merged = [
            f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}"
            for (r0, c0), (r1, c1) in worksheet.merged_cell_ranges or ()
        ]
    sheet.merged = _merged_by_row(sheet, merged)
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
