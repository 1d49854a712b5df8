from __future__ import annotations

from typing import Any

from liudong.census import actions
from liudong.core.scope import SYSTEM
from liudong.members.models import Member

from .conftest import row, workbook_bytes


def test_good_rows_are_checked_then_committed(run_file: Any, branch: Any) -> None:
    rows = [row(organization=branch.name), row(name="李娜", organization=branch.code)]
    submission = run_file(workbook_bytes(rows))
    problems = list(submission.problems.values_list("row_number", "column", "message"))
    assert submission.state == "validated", (submission.message, problems)
    assert submission.rows_new == 2
    before = Member.objects.count()
    actions.request_commit(by=SYSTEM, submission=submission)
    done = actions.run_commit(submission.pk)
    assert done.state == "committed", done.message
    assert Member.objects.count() == before + 2
