"""Damaged census workbooks (Hypothesis): a real .xlsx, .xls and .ods with bytes changed and
cut short at random go through the reader and the row checks; only the documented
DomainError (a message for the uploader) may come out, never calamine's, zipfile's or
olefile's own exceptions (the job would fail without telling the county why)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from liudong.census import reader
from liudong.census.checker import FileContext, check_row
from liudong.core.errors import DomainError
from tests.census.conftest import row
from tests.census.spreadsheets import ods, table, xls, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def workbooks() -> dict[str, bytes]:
    rows = table([row(), row(name="李红", left_on="2023/5/1"), row(phone="139 0000 1235")])
    return {"xlsx": xlsx(rows), "xls": xls(rows), "ods": ods(rows)}


damage = st.tuples(
    st.sampled_from(["xlsx", "xls", "ods"]),
    st.lists(st.tuples(st.integers(0, 2**20), st.integers(0, 255)), max_size=6),
    st.one_of(st.none(), st.integers(0, 2**20)),
)


def test_damaged_workbooks_are_refused_with_a_message(
    fuzz: Any, workbooks: dict[str, bytes], tmp_path: Path, demo: Any
) -> None:
    context = FileContext(demo("620821"))
    outcomes: dict[str, int] = {}

    def check(drawn: tuple[str, list[tuple[int, int]], int | None]) -> None:
        kind, changes, cut = drawn
        data = bytearray(workbooks[kind])
        for at, byte in changes:
            data[at % len(data)] = byte
        if cut is not None:
            data = data[: cut % len(data)]
        path = tmp_path / f"census.{kind}"
        path.write_bytes(bytes(data))
        try:
            sheet = reader.open_sheet(path, path.name)
        except DomainError as error:
            assert error.code and error.message
            outcomes["refused"] = outcomes.get("refused", 0) + 1
            return
        try:
            for number, raw in sheet.rows():
                checked = check_row(context, number, raw)
                assert checked.ok or all(p.message for p in checked.problems)
            outcomes["read"] = outcomes.get("read", 0) + 1
        except DomainError as error:  # the row limit, say
            assert error.code and error.message
        finally:
            sheet.close()

    fuzz("damaged workbook", damage, check, 150)
    assert outcomes.get("refused") and outcomes.get("read"), outcomes  # both kinds were seen


# --- what the damage found, pinned -------------------------------------------------------


def test_a_zip_asking_for_a_newer_version_is_damaged(
    workbooks: dict[str, bytes], tmp_path: Path
) -> None:
    # zipfile raises NotImplementedError for a version it does not know (was not caught).
    data = bytearray(workbooks["xlsx"])
    at = data.index(b"PK\x01\x02")  # the first central directory entry
    data[at + 6 : at + 8] = (64).to_bytes(2, "little")  # version needed to extract: 6.4
    path = tmp_path / "census.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(DomainError) as caught:
        reader.open_sheet(path, path.name)
    assert caught.value.code in ("file_damaged", "file_not_spreadsheet"), caught.value.code


def test_a_panic_inside_calamine_is_a_damaged_file(
    workbooks: dict[str, bytes], tmp_path: Path, monkeypatch: Any
) -> None:
    # pyo3's PanicException (a Rust panic on a damaged file) is a BaseException.
    panic = type("PanicException", (BaseException,), {})

    def open_workbook(path: Path) -> Any:
        raise panic("range end index 64 out of range for slice of length 62")

    monkeypatch.setattr(reader, "_open_workbook", open_workbook)
    path = tmp_path / "census.xlsx"
    path.write_bytes(workbooks["xlsx"])
    with pytest.raises(DomainError) as caught:
        reader.open_sheet(path, path.name)
    assert caught.value.code == "file_damaged"
