"""The census template's before-departure columns (issue 12 item 6): optional, read by the
checker with the ledger's own rule, written to new records by the commit, in the export."""

from __future__ import annotations

import datetime
import io
from typing import Any

from openpyxl import load_workbook

from liudong.census import actions, workbooks
from liudong.census.columns import BY_KEY, COLUMNS, DATA_SHEET, header_lookup
from liudong.core.scope import SYSTEM
from liudong.members.models import FlowRecord, Member

from .conftest import fresh_ids, row, workbook_bytes

DEPARTURE = {
    "briefed_on": "2023-02-20",
    "briefed_by": "李书记",
    "briefing_notes": "讲清外出期间的要求",
    "certificate_number": "JC-2023-0007",
    "keep_contact": "微信",
    "keep_contact_detail": "每月视频联系一次",
}


def commit(submission: Any) -> Any:
    actions.request_commit(by=SYSTEM, submission=submission)
    return actions.run_commit(submission.pk)


def test_the_template_has_the_optional_columns(demo: Any) -> None:
    for key in DEPARTURE:
        assert key in BY_KEY and not BY_KEY[key].required
    assert header_lookup()["流动党员活动证编号"] == "certificate_number"
    book = load_workbook(io.BytesIO(workbooks.template(demo("620821"))))
    headers = [c.value for c in book[DATA_SHEET][1]]
    assert "外出前谈话日期" in headers and "联系方式约定" in headers
    # The way of keeping contact drops down like the other choices.
    lists = book["代码表"]
    names = [col[0].value for col in lists.iter_cols()]
    assert "keep_contact" in names


def test_a_row_with_them_is_committed_with_them(run_file: Any, branch: Any) -> None:
    (number,) = fresh_ids(1)
    submission = run_file(
        workbook_bytes([row(id_number=number, organization=branch.name, **DEPARTURE)])
    )
    assert submission.state == "validated", list(submission.problems.values_list("message"))

    index = submission.entries.get().id_number_index
    assert commit(submission).state == "committed"
    member = Member.objects.get(id_number_index=index)
    flow = FlowRecord.objects.get(member=member, is_open=True)
    assert flow.briefed_on == datetime.date(2023, 2, 20)
    assert (flow.briefed_by, flow.certificate_number) == ("李书记", "JC-2023-0007")
    assert (flow.keep_contact, flow.keep_contact_detail) == ("wechat", "每月视频联系一次")
    # The export writes them back in the template's columns.
    values = workbooks._result_row(
        member,
        flow,
        {"sex": {}, "ethnicity": {}, "education": {}, "reason": {}},
        {
            k: dict(workbooks.choice_values(k))
            for k in ("direction", "flow_scope", "status", "keep_contact")
        },
        False,
    )
    by_key = dict(zip([c.key for c in COLUMNS], values, strict=True))
    assert by_key["certificate_number"] == "JC-2023-0007" and by_key["keep_contact"] == "微信"


def test_a_row_without_them_is_fine(run_file: Any, branch: Any) -> None:
    (number,) = fresh_ids(1)
    submission = run_file(workbook_bytes([row(id_number=number, organization=branch.name)]))
    assert submission.state == "validated", list(submission.problems.values_list("message"))
    index = submission.entries.get().id_number_index
    assert commit(submission).state == "committed"
    flow = FlowRecord.objects.get(member__id_number_index=index, is_open=True)
    assert (flow.briefed_on, flow.certificate_number, flow.keep_contact) == (None, "", "")


def test_bad_values_are_told_under_their_column(run_file: Any, branch: Any) -> None:
    ids = fresh_ids(4)
    rows = [
        row(id_number=ids[0], organization=branch.name, briefed_on="2023-03-05"),  # after leaving
        row(id_number=ids[1], organization=branch.name, keep_contact="飞鸽传书"),
        row(id_number=ids[2], organization=branch.name, briefing_notes="电话13800138000"),
        row(id_number=ids[3], organization=branch.name, briefed_by="李书记"),  # no day
    ]
    submission = run_file(workbook_bytes(rows))
    problems = {(p.row_number, p.column, p.code) for p in submission.problems.all()}
    assert (2, BY_KEY["briefed_on"].header, "briefed_after_departure") in problems
    assert (3, BY_KEY["keep_contact"].header, "choice_unknown") in problems
    assert (4, BY_KEY["briefing_notes"].header, "personal_number_in_text") in problems
    assert (5, BY_KEY["briefed_on"].header, "briefed_on_required") in problems
    assert (submission.rows_rejected, submission.rows_new) == (4, 0)  # nothing of them written
