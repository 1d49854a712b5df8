"""A county's submission: uploading a file, recovering and cancelling a job."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from liudong.census import files, formats, progress
from liudong.census.actions._common import _require, _require_county
from liudong.census.models import (
    CensusConflict,
    CensusEntry,
    CensusProblem,
    CensusRound,
    CensusSubmission,
    Channel,
    ConflictState,
    Phase,
    SubmissionState,
)
from liudong.core import audit
from liudong.core.errors import DomainError
from liudong.core.scope import SYSTEM, user_of
from liudong.orgs.models import Organization

# --- upload ---------------------------------------------------------------------------------


def max_upload_bytes() -> int:
    return int(getattr(settings, "LIUDONG_CENSUS_MAX_UPLOAD_BYTES", 50 * 1024 * 1024))


def _recover_stale(census_round: CensusRound, county: Organization) -> None:
    """A job whose process died: the commit's transaction left nothing; mark it so."""
    for job in CensusSubmission.objects.filter(
        round=census_round, county=county, state__in=[s.value for s in _running()]
    ):
        if progress.is_stale(job):
            mark_interrupted(job)


def _running() -> tuple[SubmissionState, ...]:
    from liudong.census.models import RUNNING_STATES

    return RUNNING_STATES


def mark_interrupted(job: CensusSubmission) -> None:
    """A killed job: a commit becomes checked again (its transaction wrote nothing), a dry
    run is refused with a message; the county may start again."""
    with audit.action("census.interrupted"):
        if job.state == SubmissionState.COMMITTING:
            job.state = SubmissionState.VALIDATED
            job.message = _("The commit was interrupted; nothing was written. Commit again.")
        else:
            job.state = SubmissionState.REJECTED
            job.message = _("The check was interrupted. Upload the file again.")
        job.phase = Phase.DONE
        job.save()


def submit_file(
    *, by: Any, census_round: CensusRound, county: Organization, upload: Any, file_name: str = ""
) -> CensusSubmission:
    """Store an uploaded file (encrypted) and queue its dry run. Refuses at once what is not
    an .xlsx, .xls or .ods workbook (or is one in name only), what is too large, and a second
    file while one is at work."""
    _require(by, "census.submit")
    _require_county(by, county)
    if not census_round.is_open:
        raise DomainError("round_closed", _("This round is closed."), "round")
    file_name = (file_name or getattr(upload, "name", "") or "upload.xlsx")[-200:]
    size = getattr(upload, "size", None)
    if size is not None and size > max_upload_bytes():
        raise DomainError(
            "file_too_large",
            _("The file is larger than %(n)d MB.") % {"n": max_upload_bytes() // (1024 * 1024)},
            "file",
        )
    formats.identify(upload, file_name)  # refuses what is not an .xlsx, .xls or .ods
    _recover_stale(census_round, county)
    stored, stored_size, digest = files.write_encrypted(upload)
    if stored_size > max_upload_bytes():
        files.delete(stored)
        raise DomainError(
            "file_too_large",
            _("The file is larger than %(n)d MB.") % {"n": max_upload_bytes() // (1024 * 1024)},
            "file",
        )
    submission = CensusSubmission(
        round=census_round,
        county=county,
        file_name=file_name,
        file_size=stored_size,
        file_sha256=digest,
        stored_file=stored,
        uploaded_by=user_of(by),
        uploaded_via=Channel.COMMAND_LINE if by is SYSTEM else Channel.WEB,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        heartbeat_at=timezone.now(),
    )
    try:
        with transaction.atomic(), audit.action("census.upload", actor=by):
            submission.save()
    except IntegrityError as exc:
        files.delete(stored)
        raise DomainError(
            "census_busy",
            _(
                "A file of this county is being processed for this round. Wait until it "
                "finishes, or cancel it, then upload again."
            ),
            "file",
        ) from exc
    return submission


# --- the dry run ------------------------------------------------------------------------------


def _clear_results(submission: CensusSubmission) -> None:
    CensusProblem.objects.filter(submission=submission).delete()
    CensusEntry.objects.filter(submission=submission).delete()
    _drop_open_claims(CensusSubmission.objects.filter(pk=submission.pk))


def _drop_open_claims(submissions: Any) -> None:
    """The claims of files that no longer count (superseded, withdrawn, checked again)
    leave the city's list; a claim the city has decided stays, with its decision."""
    CensusConflict.objects.filter(submission__in=submissions, state=ConflictState.OPEN).delete()


# --- cancel ---------------------------------------------------------------------------------


@transaction.atomic
def cancel(*, by: Any, submission: CensusSubmission) -> CensusSubmission:
    """Stop a running job (it stops at its next progress report), or withdraw a checked file."""
    _require(by, "census.submit")
    _require_county(by, submission.county)
    submission = CensusSubmission.objects.select_for_update().get(pk=submission.pk)
    if submission.is_running:
        if progress.is_stale(submission):
            mark_interrupted(submission)
            return submission
        progress.request_cancel(submission.pk)
        with audit.action("census.cancel", actor=by):
            submission.cancel_requested = True
            submission.save(update_fields=["cancel_requested"])
        return submission
    if submission.state == SubmissionState.VALIDATED:
        files.delete(submission.staged_file)
        submission.staged_file = ""
        CensusEntry.objects.filter(submission=submission).delete()
        _drop_open_claims(CensusSubmission.objects.filter(pk=submission.pk))
        with audit.action("census.withdraw", actor=by):
            submission.state = SubmissionState.CANCELLED
            submission.message = _("Withdrawn before commit; nothing was written.")
            submission.save()
        return submission
    raise DomainError("not_running", _("There is nothing to cancel."), "state")
