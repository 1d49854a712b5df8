"""Committing a validated submission to the ledger."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from liudong.census import files, progress
from liudong.census.actions import bulk
from liudong.census.actions._common import (
    COMMIT_BATCH,
    LedgerChanged,
    _batches,
    _require,
    _require_county,
    log,
    staged_rows_of,
)
from liudong.census.actions.dry_run import _finish, run_dry_run
from liudong.census.actions.submissions import mark_interrupted
from liudong.census.models import (
    CensusSubmission,
    Phase,
    SubmissionState,
)
from liudong.core import audit
from liudong.core.errors import DomainError
from liudong.core.scope import SYSTEM, user_of
from liudong.regions import queries as regions

# --- commit ---------------------------------------------------------------------------------


@transaction.atomic
def request_commit(*, by: Any, submission: CensusSubmission) -> CensusSubmission:
    """Mark a checked submission for commit; the job then writes it in one transaction."""
    _require(by, "census.submit")
    _require_county(by, submission.county)
    submission = CensusSubmission.objects.select_for_update().get(pk=submission.pk)
    if submission.state == SubmissionState.COMMITTING and progress.is_stale(submission):
        mark_interrupted(submission)
    if submission.state != SubmissionState.VALIDATED:
        raise DomainError(
            "not_validated", _("Only a checked file awaiting commit can be committed."), "state"
        )
    if not submission.round.is_open:
        raise DomainError("round_closed", _("This round is closed."), "round")
    submission.state, submission.phase = SubmissionState.COMMITTING, Phase.WAITING
    submission.rows_done, submission.heartbeat_at = 0, timezone.now()
    submission.rows_total = submission.rows_new + submission.rows_updated
    submission.committed_by = user_of(by)
    submission.cancel_requested = False
    with audit.action("census.commit_requested", actor=by):
        submission.save()
    return submission


def run_commit(pk: int) -> CensusSubmission:
    """Write every accepted row of a checked submission in ONE transaction, or nothing."""
    submission = CensusSubmission.objects.select_related("county", "round", "committed_by").get(
        pk=pk
    )
    if submission.state != SubmissionState.COMMITTING:
        return submission
    # Asked from a page: the user who asked; from the command line: the system.
    by = submission.committed_by or SYSTEM
    report = progress.Progress(pk, in_transaction=True)
    with translation.override(submission.language):
        try:
            with transaction.atomic():
                locked = CensusSubmission.objects.select_for_update().get(pk=pk)
                if locked.state != SubmissionState.COMMITTING:
                    return locked
                counts = _write_ledger(submission, by, report)
                submission.state, submission.phase = SubmissionState.COMMITTED, Phase.DONE
                submission.committed_at = timezone.now()
                submission.rows_done = submission.rows_total
                submission.message = ""
                with audit.action("census.commit", actor=by):
                    submission.save()
                    audit.record(
                        "action",
                        submission,
                        detail="census commit: " + json.dumps(counts, sort_keys=True),
                    )
        except progress.Cancelled:
            return _back_to_validated(submission, _("Commit cancelled; nothing was written."))
        except LedgerChanged as exc:
            # Check the file again against today's ledger; the county looks and commits again.
            submission.state = SubmissionState.QUEUED
            submission.message = exc.message
            submission.save(update_fields=["state", "message"])
            return run_dry_run(pk)
        except DomainError as exc:
            return _back_to_validated(submission, exc.message)
        except Exception:
            log.exception("census commit %s failed", pk)
            return _back_to_validated(
                submission, _("The commit failed; nothing was written. Try again.")
            )
    progress.clear(pk)
    if not getattr(settings, "LIUDONG_CENSUS_KEEP_FILES_DAYS", 0):
        discard_files(submission)
    else:  # the upload is kept a while; its staged rows are spent
        files.delete(submission.staged_file)
        CensusSubmission.objects.filter(pk=submission.pk).update(staged_file="")
        submission.staged_file = ""
    return submission


def _back_to_validated(submission: CensusSubmission, message: str) -> CensusSubmission:
    submission.refresh_from_db()
    return _finish(submission, SubmissionState.VALIDATED, message)


def discard_files(submission: CensusSubmission) -> None:
    files.delete(submission.stored_file)
    files.delete(submission.staged_file)
    CensusSubmission.objects.filter(pk=submission.pk).update(stored_file="", staged_file="")
    submission.stored_file = submission.staged_file = ""


def _write_ledger(submission: CensusSubmission, by: Any, report: Any) -> dict[str, int]:
    today = timezone.localdate()
    county_path = submission.county.path
    total = submission.rows_total
    done = 0
    counts: Counter[str] = Counter()
    report(Phase.WRITING, 0, total, force=True)
    # From the rows the dry run staged: the workbook is not read again (one read per file).
    with regions.pinned_index():  # one version of the places for the file
        for batch in _batches(staged_rows_of(submission), COMMIT_BATCH):
            counts += bulk.write(batch, by=by, county_path=county_path, today=today)
            done += len(batch)
            report(Phase.WRITING, done, total)
    report(Phase.WRITING, done, total, force=True)
    return dict(counts)
