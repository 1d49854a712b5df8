"""An edited ledger export uploaded through the census (issue 12, item 9): the hidden,
signed record key names the rows; exactly those are updated, with the same dry run; a
tampered key, another county's member or a changed ID number is refused row by row."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from liudong.census import actions
from liudong.census.models import CensusSubmission
from liudong.core.scope import SYSTEM
from liudong.members import export
from liudong.members.keys import BadRecordKey, read_key, record_key
from liudong.members.models import FlowRecord, Member

pytestmark = pytest.mark.django_db
KEY = export.KEY_HEADER


def _export(demo: Any, user: str, ledger: str = "out_of_province") -> Any:
    made = export.export_ledger(demo(f"user:{user}"), ledger, {})
    book = load_workbook(io.BytesIO(made.file.read()))
    made.file.close()
    return book


def _rows(book: Any) -> tuple[Any, dict[str, int]]:
    sheet = book.active
    header = {cell.value: cell.column for cell in sheet[1]}
    return sheet, header


def _bytes(book: Any) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _commit(submission: CensusSubmission) -> CensusSubmission:
    actions.request_commit(by=SYSTEM, submission=submission)
    return actions.run_commit(submission.pk)


def _flow_of(sheet: Any, header: dict[str, int], row: int) -> FlowRecord:
    flow_id, _member = read_key(sheet.cell(row, header[KEY]).value)
    return FlowRecord.objects.select_related("member").get(pk=flow_id)


def test_keys_are_signed() -> None:
    key = record_key(12, 34)
    assert read_key(key) == (12, 34)
    for forged in ("F12/M34", key.replace("F12", "F13"), key[:-1] + "x", "", None):
        with pytest.raises(BadRecordKey):
            read_key(forged)


def test_an_edited_export_updates_exactly_the_rows_it_names(demo: Any, run_file: Any) -> None:
    book = _export(demo, "jingchuan")
    sheet, header = _rows(book)
    count = sheet.max_row - 1
    assert count >= 2
    edited = _flow_of(sheet, header, 2)
    untouched = [_flow_of(sheet, header, r) for r in range(3, sheet.max_row + 1)]
    before = {f.pk: (f.employer, f.destination_address) for f in untouched}
    sheet.cell(2, header["工作单位"]).value = "平凉新材料有限公司"
    members_before = Member.objects.count()

    submission = run_file(_bytes(book))
    assert submission.state == "validated", list(submission.problems.values_list("message"))
    assert submission.problem_count == 0  # the export's own columns are understood or ignored
    assert (submission.rows_updated, submission.rows_unchanged) == (1, count - 1)
    assert submission.rows_new == submission.rows_rejected == submission.rows_conflict == 0
    edited.refresh_from_db()
    assert edited.employer != "平凉新材料有限公司"  # a dry run writes nothing

    assert _commit(submission).state == "committed"
    edited.refresh_from_db()
    assert edited.employer == "平凉新材料有限公司"
    assert Member.objects.count() == members_before
    for flow in FlowRecord.objects.filter(pk__in=before):
        assert (flow.employer, flow.destination_address) == before[flow.pk]


def test_a_tampered_key_is_refused_row_by_row(demo: Any, run_file: Any) -> None:
    book = _export(demo, "jingchuan")
    sheet, header = _rows(book)
    key = sheet.cell(2, header[KEY]).value
    flow_id, member_id = read_key(key)
    signature = key.split(":", 1)[1]
    sheet.cell(2, header[KEY]).value = f"F{flow_id + 1}/M{member_id}:{signature}"
    sheet.cell(2, header["工作单位"]).value = "篡改"
    submission = run_file(_bytes(book))
    problem = submission.problems.get(row_number=2)
    assert problem.code == "record_key_invalid" and "记录键被改动" in problem.message
    assert submission.rows_rejected == 1 and submission.rows_updated == 0
    assert submission.rows_unchanged == sheet.max_row - 2


def test_another_countys_member_is_refused_and_nothing_is_written(demo: Any, run_file: Any) -> None:
    book = _export(demo, "lingtai")
    sheet, header = _rows(book)
    theirs = _flow_of(sheet, header, 2)
    employer = theirs.employer
    sheet.cell(2, header["工作单位"]).value = "越权修改"
    submission = run_file(_bytes(book), county="620821")  # 泾川 uploads 灵台's rows
    assert submission.rows_rejected == sheet.max_row - 1
    codes = set(submission.problems.values_list("code", flat=True))
    assert codes == {"record_not_yours"}
    assert submission.rows_updated == submission.rows_conflict == submission.rows_new == 0
    theirs.refresh_from_db()
    assert theirs.employer == employer


def test_a_keyed_row_keeps_its_member(demo: Any, run_file: Any) -> None:
    from .conftest import id_number

    book = _export(demo, "jingchuan")
    sheet, header = _rows(book)
    member = _flow_of(sheet, header, 2).member
    # Another valid number, of the member's sex and birth date: only the person differs.
    other = id_number(birth=f"{member.birth_date:%Y%m%d}", sex="1" if member.sex == "1" else "2")
    assert other != member.id_number
    sheet.cell(2, header["公民身份号码"]).value = other
    submission = run_file(_bytes(book))
    problem = submission.problems.get(row_number=2)
    assert problem.code == "record_key_mismatch"
    assert submission.rows_new == 0


def test_a_record_closed_since_the_export_is_refused(demo: Any, run_file: Any) -> None:
    from liudong.members import actions as ledger

    book = _export(demo, "jingchuan")
    sheet, header = _rows(book)
    flow = _flow_of(sheet, header, 2)
    ledger.mark_returned(by=demo("user:jingchuan"), flow=flow)
    submission = run_file(_bytes(book))
    assert submission.problems.get(row_number=2).code == "record_closed"
