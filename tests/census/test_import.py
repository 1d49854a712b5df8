"""The import's rules: template round trip, duplicates, re-import, updates, conflicts across
counties, whole-batch commit (a failure mid-batch leaves nothing), cancel, command line."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from liudong.census import actions, progress, workbooks
from liudong.census.columns import DATA_SHEET, EXAMPLE_SHEET, INSTRUCTIONS_SHEET
from liudong.census.models import CensusConflict, CensusSubmission
from liudong.core.models import AuditEvent
from liudong.core.scope import SYSTEM
from liudong.members.actions import bulk as writer
from liudong.members.models import FlowRecord, Member

from .conftest import fresh_ids, row, upload, workbook_bytes


def commit(submission: CensusSubmission) -> CensusSubmission:
    actions.request_commit(by=SYSTEM, submission=submission)
    return actions.run_commit(submission.pk)


def test_the_downloaded_template_is_what_the_importer_accepts(run_file: Any, demo: Any) -> None:
    content = workbooks.template(demo("620821"))
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames[0] == INSTRUCTIONS_SHEET
    assert {DATA_SHEET, EXAMPLE_SHEET, "代码表"} <= set(book.sheetnames)
    data = book[DATA_SHEET]
    validated = {str(dv.sqref).split(":")[0][:-1] for dv in data.data_validations.dataValidation}
    assert {"C", "D", "F", "H", "I", "O", "R", "S"} <= validated  # coded columns drop down
    lists = book["代码表"]
    org_names = [c.value for c in lists["F"][1:] if c.value] or [
        c.value for col in lists.iter_cols() if col[0].value == "organization" for c in col[1:]
    ]
    assert org_names
    # Fill the county's own template like a county would: the examples' first rows.
    example = list(book[EXAMPLE_SHEET].iter_rows(min_row=2, max_row=2, values_only=True))[0]
    ids = fresh_ids(1)
    data.append([ids[0] if i == 1 else None if i == 2 else v for i, v in enumerate(example)])
    assert data.max_row == 2
    out = io.BytesIO()
    book.save(out)
    submission = run_file(out.getvalue())
    assert submission.state == "validated", list(submission.problems.values_list("message"))
    assert submission.rows_new == 1


def test_duplicates_within_the_file(run_file: Any, branch: Any) -> None:
    (same,) = fresh_ids(1)
    rows = [row(id_number=same, organization=branch.name)] * 2
    submission = run_file(workbook_bytes(rows))
    problem = submission.problems.get()
    assert problem.code == "duplicate_in_file" and problem.row_number == 3
    assert "row 2" in problem.message or "第 2 行" in problem.message or "2" in problem.message


def test_reimporting_the_same_file_changes_nothing(run_file: Any, branch: Any) -> None:
    ids = fresh_ids(3)
    content = workbook_bytes([row(id_number=i, organization=branch.name) for i in ids])
    first = commit(run_file(content))
    assert first.state == "committed"
    members = Member.objects.count()
    flows = list(FlowRecord.objects.order_by("id").values())
    again = run_file(content)
    assert (again.rows_new, again.rows_updated, again.rows_unchanged) == (0, 0, 3)
    done = commit(again)
    assert done.state == "committed"
    assert Member.objects.count() == members
    assert list(FlowRecord.objects.order_by("id").values()) == flows


def test_changed_rows_update_the_member_and_record(run_file: Any, branch: Any) -> None:
    (one,) = fresh_ids(1)
    commit(run_file(workbook_bytes([row(id_number=one, organization=branch.name)])))
    changed = row(
        id_number=one, organization=branch.name, destination="兰州市城关区", phone="13700009999"
    )
    submission = run_file(workbook_bytes([changed]))
    assert submission.rows_updated == 1
    commit(submission)
    member = Member.objects.get(id_number_index=submission.entries.get().id_number_index)
    assert member.phone == "13700009999"
    flow = member.flows.get(is_open=True)
    assert flow.destination_place_id == "620102"
    assert flow.flow_scope == "out_of_city"


def test_a_person_claimed_by_two_counties_goes_to_the_city(run_file: Any, demo: Any) -> None:
    from liudong.orgs.models import Organization

    (person,) = fresh_ids(1)
    jc = Organization.objects.filter(path__startswith=demo("620821").path, kind="branch")[0]
    lt = Organization.objects.filter(path__startswith=demo("620822").path, kind="branch")[0]
    first = run_file(workbook_bytes([row(id_number=person, organization=jc.name)]), "620821")
    assert first.rows_new == 1
    second = run_file(workbook_bytes([row(id_number=person, organization=lt.name)]), "620822")
    assert second.rows_conflict == 1 and second.rows_new == 0
    conflict = second.conflicts.get()
    assert conflict.other_submission == first and conflict.existing_member is None
    # After 泾川 commits, 灵台's claim is against a member outside its scope.
    commit(first)
    third = run_file(workbook_bytes([row(id_number=person, organization=lt.name)]), "620822")
    assert third.rows_conflict == 1
    assert third.conflicts.get().existing_member.home_organization == jc
    # The county never sees the other side's data: the message says "elsewhere" only.
    assert commit(third).state == "committed"
    assert Member.objects.get(pk=third.conflicts.get().existing_member_id).home_organization == jc


def test_city_accepts_a_claim_through_the_ledger_actions(run_file: Any, demo: Any) -> None:
    from liudong.orgs.models import Organization

    (person,) = fresh_ids(1)
    jc = Organization.objects.filter(path__startswith=demo("620821").path, kind="branch")[0]
    lt = Organization.objects.filter(path__startswith=demo("620822").path, kind="branch")[0]
    commit(run_file(workbook_bytes([row(id_number=person, organization=jc.name)]), "620821"))
    claim = run_file(workbook_bytes([row(id_number=person, organization=lt.name)]), "620822")
    conflict = claim.conflicts.get()
    actions.resolve_conflict(by=demo("user:city"), conflict=conflict, accept=True, note="核实")
    conflict.refresh_from_db()
    assert conflict.state == "accepted"
    assert conflict.existing_member.home_organization == lt
    assert AuditEvent.objects.filter(verb="member.update").exists()


def test_a_failure_mid_batch_leaves_zero_rows(run_file: Any, branch: Any, monkeypatch: Any) -> None:
    ids = fresh_ids(2500)  # three write batches
    submission = run_file(workbook_bytes([row(id_number=i, organization=branch.name) for i in ids]))
    assert submission.rows_new == 2500
    members, flows = Member.objects.count(), FlowRecord.objects.count()
    calls = {"n": 0}
    original = writer.insert_rows  # the ledger's writer calls it in its own module

    def dying(model: Any, columns: Any, rows: Any, **kwargs: Any) -> Any:
        if model is FlowRecord:
            calls["n"] += 1
            if calls["n"] == 2:  # the process "dies" writing the second batch
                raise RuntimeError("killed")
        return original(model, columns, rows, **kwargs)

    monkeypatch.setattr(writer, "insert_rows", dying)
    actions.request_commit(by=SYSTEM, submission=submission)
    result = actions.run_commit(submission.pk)
    assert calls["n"] == 2
    assert result.state == "validated"
    assert "nothing was written" in result.message or "未写入" in result.message
    assert Member.objects.count() == members and FlowRecord.objects.count() == flows
    monkeypatch.undo()
    assert commit(result).state == "committed"
    assert Member.objects.count() == members + 2500


def test_a_killed_commit_is_detected_and_can_run_again(
    run_file: Any, branch: Any, settings: Any
) -> None:
    submission = run_file(workbook_bytes([row(organization=branch.name)]))
    actions.request_commit(by=SYSTEM, submission=submission)  # … and the process dies here
    settings.LIUDONG_CENSUS_STALE_SECONDS = 0
    submission.refresh_from_db()
    assert progress.is_stale(submission)
    again = actions.request_commit(by=SYSTEM, submission=submission)
    assert again.state == "committing"
    assert actions.run_commit(submission.pk).state == "committed"


def test_cancel_during_commit_writes_nothing(run_file: Any, branch: Any) -> None:
    ids = fresh_ids(3)
    submission = run_file(workbook_bytes([row(id_number=i, organization=branch.name) for i in ids]))
    members = Member.objects.count()
    actions.request_commit(by=SYSTEM, submission=submission)
    actions.cancel(by=SYSTEM, submission=CensusSubmission.objects.get(pk=submission.pk))
    result = actions.run_commit(submission.pk)
    assert result.state == "validated" and Member.objects.count() == members


def test_cancel_during_the_dry_run(demo: Any, census_round: Any, branch: Any) -> None:
    content = workbook_bytes([row(organization=branch.name)])
    queued = actions.submit_file(
        by=SYSTEM, census_round=census_round, county=demo("620821"), upload=upload(content)
    )
    actions.cancel(by=SYSTEM, submission=queued)
    result = actions.run_dry_run(queued.pk)
    assert result.state == "cancelled" and not result.entries.exists()


def test_a_commit_records_its_counts_and_a_row_per_object(run_file: Any, branch: Any) -> None:
    ids = fresh_ids(4)
    submission = run_file(workbook_bytes([row(id_number=i, organization=branch.name) for i in ids]))
    # The demo ledger entered through the census too: count this commit's rows only.
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    commit(submission)
    (event,) = AuditEvent.objects.filter(
        verb="census.commit", kind="action", object_id=str(submission.pk)
    )
    assert '"members_created": 4' in event.detail
    # …and, through the ledger's writer, one row per member and per record it wrote.
    created = AuditEvent.objects.filter(verb="census.commit", kind="create", id__gt=before)
    assert (
        sorted(created.values_list("content_type__model", flat=True))
        == ["flowrecord"] * 4 + ["member"] * 4
    )


def test_files_are_encrypted_at_rest_and_removed_after_commit(run_file: Any, branch: Any) -> None:
    from liudong.census import files

    (one,) = fresh_ids(1)
    submission = run_file(workbook_bytes([row(id_number=one, organization=branch.name)]))
    stored = files.census_dir() / submission.stored_file
    staged = files.census_dir() / submission.staged_file
    assert one.encode() not in stored.read_bytes() and one.encode() not in staged.read_bytes()
    assert not CensusConflict.objects.filter(payload__contains=one).exists()
    commit(submission)
    assert not stored.exists() and not staged.exists()


def test_error_workbook_marks_problem_cells(run_file: Any, branch: Any) -> None:
    ids = fresh_ids(3)
    rows = [
        row(id_number=ids[0], organization=branch.name),
        row(id_number=ids[1][:-1] + ("0" if ids[1][-1] != "0" else "1"), organization=branch.name),
        row(id_number=ids[2], organization=branch.name, reason=""),
    ]
    submission = run_file(workbook_bytes(rows))
    book = load_workbook(io.BytesIO(workbooks.error_workbook(submission)))
    sheet = book[DATA_SHEET]
    assert sheet["B3"].comment is not None and "公民身份号码" in sheet["B3"].comment.text
    assert sheet["B3"].fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet["O4"].comment is not None
    assert sheet["B2"].comment is None
    header = [c.value for c in sheet[1]]
    assert header[-1] == "问题说明"
    # Fixing the same file and uploading it again works.
    sheet["B3"] = fresh_ids(1)[0]
    sheet["O4"] = "务工经商"
    out = io.BytesIO()
    book.save(out)
    fixed = run_file(out.getvalue())
    assert fixed.rows_rejected == 0 and fixed.rows_new == 3, list(
        fixed.problems.values_list("message")
    )


def test_results_export_in_the_template_layout(
    run_file: Any, branch: Any, census_round: Any
) -> None:
    ids = fresh_ids(2)
    commit(run_file(workbook_bytes([row(id_number=i, organization=branch.name) for i in ids])))
    book = load_workbook(
        io.BytesIO(workbooks.results(census_round, branch.parent.parent, reveal=True))
    )
    sheet = book[DATA_SHEET]
    numbers = {r[1] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert numbers == set(ids)
    masked = load_workbook(
        io.BytesIO(workbooks.results(census_round, branch.parent.parent, reveal=False))
    )[DATA_SHEET]
    assert all("*" in r[1] for r in masked.iter_rows(min_row=2, values_only=True))


def test_command_line_uses_the_same_path(
    census_round: Any, branch: Any, tmp_path: Path, capsys: Any
) -> None:
    ids = fresh_ids(2)
    path = tmp_path / "c.xlsx"
    path.write_bytes(workbook_bytes([row(id_number=i, organization=branch.name) for i in ids]))
    before = Member.objects.count()
    call_command("census", "import", str(path), "--round", census_round.name, "--county", "620821")
    assert "2 new" in capsys.readouterr().out
    assert Member.objects.count() == before
    call_command(
        "census",
        "import",
        str(path),
        "--round",
        census_round.name,
        "--county",
        "620821",
        "--commit",
    )
    assert Member.objects.count() == before + 2
    template = tmp_path / "t.xlsx"
    call_command("census", "template", "--county", "620821", "-o", str(template))
    assert DATA_SHEET in load_workbook(template).sheetnames
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(CommandError):
        call_command(
            "census", "import", str(bad), "--round", census_round.name, "--county", "620821"
        )
