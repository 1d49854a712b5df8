"""One read per file (issue 17, item 3): the dry run stages its checked rows, tied to the
submission and its file's sha256, and the commit writes from them without reading the
workbook again. The commit's result and its audit rows are those of the commit as it was
before (the workbook's reader free to run, the audit snapshots built in Python), compared
run by run from the same checked file, each run in a savepoint rolled back once read."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction

from liudong.census import actions, files, reader
from liudong.census.actions import _common
from liudong.census.models import CensusSubmission
from liudong.core import audit, crypto
from liudong.core.models import AuditEvent
from liudong.core.scope import SYSTEM
from liudong.members.models import FlowRecord, Member

from .conftest import fresh_ids, row, workbook_bytes


class _Done(Exception):
    """Leaves a savepoint after its state was read."""


def _no_read(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the commit read the workbook again")


@contextlib.contextmanager
def _workbook_unreadable(monkeypatch: Any) -> Iterator[None]:
    """Every way to the workbook fails: opening, decrypting the upload, calamine itself."""
    import python_calamine

    with monkeypatch.context() as patch:
        patch.setattr(reader, "open_sheet", _no_read)
        patch.setattr(reader, "_open_workbook", _no_read)
        patch.setattr(reader, "first_pass", _no_read)
        patch.setattr(files, "decrypted_copy", _no_read)
        patch.setattr(python_calamine.CalamineWorkbook, "from_path", _no_read)
        yield


def _commit(submission: CensusSubmission) -> CensusSubmission:
    actions.request_commit(by=SYSTEM, submission=submission)
    return actions.run_commit(submission.pk)


def _state(mark: int, submission: CensusSubmission) -> dict[str, Any]:
    """The ledger and the audit rows since ``mark``, keys replaced by what they point at."""
    index = dict(Member.objects.values_list("pk", "id_number_index"))
    flow_of = {pk: index[m] for pk, m in FlowRecord.objects.values_list("pk", "member_id")}
    skip = {"id", "created_at", "updated_at", "member_id", "id_number_index"}
    members = sorted(
        (m["id_number_index"], sorted((k, str(v)) for k, v in m.items() if k not in skip))
        for m in Member.objects.values()
    )
    flows = sorted(
        (index[f["member_id"]], sorted((k, str(v)) for k, v in f.items() if k not in skip))
        for f in FlowRecord.objects.values()
    )
    events = []
    for event in AuditEvent.objects.filter(pk__gt=mark).order_by("pk"):
        model = event.content_type.model if event.content_type else ""
        changes = dict(event.changes)
        for side in ("before", "after"):
            shown = dict(changes.get(side) or {})
            shown.pop("created_at", None)
            if "id" in shown:
                shown["id"] = (index if model == "member" else flow_of).get(shown["id"])
            if "member" in shown:
                shown["member"] = index.get(shown["member"])
            if side in changes:
                changes[side] = shown
        if model == "censussubmission":
            changes = {}  # the submission's own save: its timestamps differ run to run
        key = event.object_id if model == "censussubmission" else None
        if model == "member":
            key = index[int(event.object_id)]
        elif model == "flowrecord":
            key = flow_of[int(event.object_id)]
        events.append(
            (event.kind, event.verb, model, key, event.object_repr, event.org_path, event.detail,
             event.actor_name, sorted(changes.items(), key=lambda kv: kv[0]).__repr__())
        )  # fmt: skip
    submission = CensusSubmission.objects.get(pk=submission.pk)
    result = (submission.state, submission.message, submission.rows_done, submission.rows_total)
    return {"result": result, "members": members, "flows": flows, "events": sorted(events)}


def _run(submission: CensusSubmission, work: Callable[[], Any]) -> dict[str, Any]:
    """Commit in a savepoint, read the state, roll back; the checked files are put back."""
    kept = {
        name: (files.census_dir() / name).read_bytes()
        for name in (submission.stored_file, submission.staged_file)
    }
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    state: dict[str, Any] = {}
    try:
        with transaction.atomic():
            work()
            state = _state(mark, submission)
            raise _Done
    except _Done:
        pass
    for name, content in kept.items():
        (files.census_dir() / name).write_bytes(content)
    return state


@pytest.fixture
def two_files(run_file: Any, branch: Any) -> tuple[CensusSubmission, list[str]]:
    """A committed first file, then a checked second one: some rows new, some changed, one
    unchanged (new members and records, members and records updated)."""
    ids = fresh_ids(6)
    first = run_file(workbook_bytes([row(id_number=i, organization=branch.name) for i in ids[:3]]))
    assert _commit(first).state == "committed"
    second = [
        row(id_number=ids[0], organization=branch.name, destination="兰州市城关区"),
        row(id_number=ids[1], organization=branch.name, phone="13700009999"),
        row(id_number=ids[2], organization=branch.name),
        *(row(id_number=i, organization=branch.name, left_on="2024-05-01") for i in ids[3:]),
    ]
    submission = run_file(workbook_bytes(second))
    assert (submission.rows_new, submission.rows_updated, submission.rows_unchanged) == (3, 2, 1)
    return submission, ids


def test_the_commit_never_reads_the_workbook_and_writes_what_it_wrote_before(
    two_files: Any, monkeypatch: Any
) -> None:
    submission, ids = two_files

    def from_staged_rows() -> None:
        with _workbook_unreadable(monkeypatch):
            _commit(submission)

    def as_before() -> None:
        monkeypatch.setattr(audit, "SQL_SNAPSHOTS", False)
        _commit(submission)

    ours, before = _run(submission, from_staged_rows), _run(submission, as_before)
    assert ours["result"][0] == "committed", ours["result"]
    assert ours == before
    kinds = [(kind, model) for kind, _verb, model, *_rest in ours["events"]]
    # New: a member and a record each; changed: the member (phone) or the record.
    assert kinds.count(("create", "member")) == 3
    assert kinds.count(("create", "flowrecord")) == 3
    assert kinds.count(("update", "member")) + kinds.count(("update", "flowrecord")) == 2


def test_every_new_objects_audit_row_shows_the_row_written(
    two_files: Any, monkeypatch: Any
) -> None:
    """Whichever path built them (SQL on PostgreSQL), the snapshots are :func:`snapshot`'s."""
    submission, _ids = two_files
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with _workbook_unreadable(monkeypatch):
        assert _commit(submission).state == "committed"
    created = AuditEvent.objects.filter(pk__gt=mark, kind="create", verb="census.commit")
    assert created.count() == 6
    for event in created:
        model = event.content_type.model_class()
        obj = model.objects.get(pk=int(event.object_id))
        assert event.changes == {"after": audit.snapshot(obj)}
        assert event.org_path == obj.home_organization.path
        member = obj if model is Member else obj.member
        assert event.object_repr.startswith(member.name)


def test_the_staged_rows_are_removed_once_committed(
    run_file: Any, branch: Any, settings: Any
) -> None:
    settings.LIUDONG_CENSUS_KEEP_FILES_DAYS = 7  # the upload is kept; its staged rows are not
    (one,) = fresh_ids(1)
    submission = run_file(workbook_bytes([row(id_number=one, organization=branch.name)]))
    staged = files.census_dir() / submission.staged_file
    assert staged.exists()
    done = _commit(submission)
    assert done.state == "committed" and done.staged_file == "" and not staged.exists()
    assert (files.census_dir() / done.stored_file).exists()


def test_a_later_file_removes_the_earlier_files_staged_rows(run_file: Any, branch: Any) -> None:
    ids = fresh_ids(2)
    earlier = run_file(workbook_bytes([row(id_number=ids[0], organization=branch.name)]))
    staged = files.census_dir() / earlier.staged_file
    run_file(workbook_bytes([row(id_number=i, organization=branch.name) for i in ids]))
    earlier.refresh_from_db()
    assert earlier.state == "superseded" and earlier.staged_file == "" and not staged.exists()


@pytest.mark.parametrize("tamper", ["sha256", "other_submission", "missing"])
def test_rows_staged_from_another_file_are_never_committed(
    run_file: Any, branch: Any, tamper: str
) -> None:
    """A replaced file (its sha256 differs), another submission's staged rows, or none: the
    commit writes nothing from them; the file is checked again instead."""
    ids = fresh_ids(2)
    mine = run_file(workbook_bytes([row(id_number=ids[0], organization=branch.name)]))
    if tamper == "sha256":
        CensusSubmission.objects.filter(pk=mine.pk).update(file_sha256="0" * 64)
    elif tamper == "other_submission":
        other = run_file(workbook_bytes([row(id_number=ids[1])]), county="620802")
        CensusSubmission.objects.filter(pk=mine.pk).update(staged_file=other.staged_file)
    else:
        files.delete(mine.staged_file)
    mine.refresh_from_db()
    written = _common.staged_rows_of(mine)
    with pytest.raises(_common.StaleStaging):
        next(written)
    before = Member.objects.count()
    done = _commit(mine)
    assert Member.objects.count() == before
    assert done.state == "validated"
    # Checked again from the upload: its rows staged anew, under this file's header.
    assert [r["v"]["id_number"] for r in _common.staged_rows_of(done)] == [ids[0]]
    assert _commit(done).state == "committed"
    assert Member.objects.count() == before + 1


def test_the_staged_header_names_the_submission_and_its_file(run_file: Any, branch: Any) -> None:
    (one,) = fresh_ids(1)
    submission = run_file(workbook_bytes([row(id_number=one, organization=branch.name)]))
    head = next(_common._staged_rows(submission.staged_file))
    assert head == {
        "staged": submission.pk,
        "sha256": submission.file_sha256,
        "index_key": crypto.index_key_in_effect().id,
    }
    assert len(submission.file_sha256) == 64
    assert submission.validated_at.date() <= datetime.date.today()
