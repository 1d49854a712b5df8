"""Uploaded census files are deleted once nobody can use them, and not before."""

from __future__ import annotations

import datetime
import os
import time
from typing import Any

from django.core.management import call_command
from django.utils import timezone

from liudong.census import actions, files, workbooks
from liudong.census.models import CensusSubmission, RoundState, SubmissionState
from liudong.core.models import AuditEvent
from liudong.core.scope import SYSTEM

from .conftest import fresh_ids, row, workbook_bytes


def _paths(submission: CensusSubmission) -> list[Any]:
    submission.refresh_from_db()
    return [
        files.census_dir() / name
        for name in (submission.stored_file, submission.staged_file)
        if name
    ]


def _age(submission: CensusSubmission, days: int) -> None:
    CensusSubmission.objects.filter(pk=submission.pk).update(
        uploaded_at=timezone.now() - datetime.timedelta(days=days)
    )


def test_a_file_awaiting_commit_in_an_open_round_is_kept(run_file: Any, branch: Any) -> None:
    submission = run_file(workbook_bytes([row(organization=branch.name)]))
    assert submission.state == SubmissionState.VALIDATED
    _age(submission, 400)
    kept = _paths(submission)
    assert kept and all(p.exists() for p in kept)
    assert actions.purge_files().files == 0
    assert all(p.exists() for p in _paths(submission))


def test_a_refused_or_replaced_file_goes_after_the_unused_period(
    run_file: Any, branch: Any, settings: Any
) -> None:
    settings.LIUDONG_CENSUS_UNUSED_FILES_DAYS = 30
    first = run_file(workbook_bytes([row(organization=branch.name)]))
    second = run_file(workbook_bytes([row(organization=branch.name)]))
    first.refresh_from_db()
    assert first.state == SubmissionState.SUPERSEDED
    old = _paths(first)
    assert old, "the replaced file is still there (its error workbook can be downloaded)"
    _age(first, 29)
    assert actions.purge_files().files == 0
    assert all(p.exists() for p in old)
    _age(first, 31)
    done = actions.purge_files()
    assert done.submissions == [first.pk]
    assert not any(p.exists() for p in old)
    assert _paths(first) == []
    # The later file is untouched, and the error workbook of the purged one still answers.
    assert all(p.exists() for p in _paths(second))
    assert workbooks.error_workbook(first)
    (event,) = AuditEvent.objects.filter(verb="census.purge_files")
    assert "of 1 submissions" in event.detail


def test_a_committed_file_is_kept_for_the_configured_days(
    run_file: Any, branch: Any, settings: Any
) -> None:
    settings.LIUDONG_CENSUS_KEEP_FILES_DAYS = 7
    (one,) = fresh_ids(1)
    submission = run_file(workbook_bytes([row(id_number=one, organization=branch.name)]))
    actions.request_commit(by=SYSTEM, submission=submission)
    submission = actions.run_commit(submission.pk)
    assert submission.state == SubmissionState.COMMITTED
    kept = _paths(submission)
    assert kept and all(p.exists() for p in kept)
    assert actions.purge_files().files == 0
    CensusSubmission.objects.filter(pk=submission.pk).update(
        committed_at=timezone.now() - datetime.timedelta(days=8)
    )
    assert actions.purge_files().files == len(kept)
    assert not any(p.exists() for p in kept)


def test_awaiting_commit_in_a_closed_round_goes_after_the_unused_period(
    run_file: Any, branch: Any, census_round: Any, settings: Any
) -> None:
    settings.LIUDONG_CENSUS_UNUSED_FILES_DAYS = 30
    submission = run_file(workbook_bytes([row(organization=branch.name)]))
    census_round.state = RoundState.CLOSED
    census_round.closed_at = timezone.now() - datetime.timedelta(days=5)
    census_round.save()
    assert actions.purge_files().files == 0
    census_round.closed_at = timezone.now() - datetime.timedelta(days=31)
    census_round.save()
    assert actions.purge_files().submissions == [submission.pk]


def test_unnamed_files_go_after_a_day_and_the_dry_run_deletes_nothing(
    run_file: Any, branch: Any
) -> None:
    submission = run_file(workbook_bytes([row(organization=branch.name)]))
    fresh = files.census_dir() / "cut-off-just-now.upload"
    stale = files.census_dir() / "cut-off-yesterday.upload"
    fresh.write_bytes(b"x")
    stale.write_bytes(b"x")
    two_days_ago = time.time() - 2 * 86400
    os.utime(stale, (two_days_ago, two_days_ago))
    call_command("census", "purge", "--dry-run")
    assert stale.exists()
    assert not AuditEvent.objects.filter(verb="census.purge_files").exists()
    call_command("census", "purge")
    assert not stale.exists() and fresh.exists()
    assert all(p.exists() for p in _paths(submission))
    (event,) = AuditEvent.objects.filter(verb="census.purge_files")
    assert "1 unnamed" in event.detail
