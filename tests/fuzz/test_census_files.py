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
