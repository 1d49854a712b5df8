"""How long uploaded census files (personal data, encrypted at rest) are kept.

A file is kept while it can still be used, then deleted (decision 54):

- committed: ``LIUDONG_CENSUS_KEEP_FILES_DAYS`` after the commit (0, the default: the
  commit itself deletes it; the purge removes any left behind);
- refused, cancelled or replaced by a later file: ``LIUDONG_CENSUS_UNUSED_FILES_DAYS``
  (30) after the upload, so the county can still download its error workbook;
- checked and awaiting commit: as long as the round is open, then the unused period
  after the round closed;
- a job still running: never;
- a file in the folder that no submission names (an upload cut off before its row was
  written): after a day.

The dry run's staged rows (the checked rows the commit writes from, decision 92) go sooner:
at the commit itself, whatever the period above, and when a later file supersedes them;
otherwise with the upload.

The database keeps what the round's progress needs (counts, problems, conflicts with their
encrypted row); the error workbook falls back to the list of problems once the file is gone.
This module says what is due; ``census.actions.purge_files`` deletes it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from liudong.census.models import CensusSubmission, RoundState, SubmissionState

UNUSED = (SubmissionState.REJECTED, SubmissionState.CANCELLED, SubmissionState.SUPERSEDED)


def _days(name: str, default: int) -> datetime.timedelta:
    return datetime.timedelta(days=max(0, int(getattr(settings, name, default))))


def due(now: datetime.datetime | None = None) -> Any:
    """Submissions whose files are due for deletion at ``now``."""
    now = now or timezone.now()
    keep = _days("LIUDONG_CENSUS_KEEP_FILES_DAYS", 0)
    unused = _days("LIUDONG_CENSUS_UNUSED_FILES_DAYS", 30)
    has_file = ~Q(stored_file="") | ~Q(staged_file="")
    return CensusSubmission.objects.filter(has_file).filter(
        Q(state=SubmissionState.COMMITTED, committed_at__lte=now - keep)
        | Q(state__in=UNUSED, uploaded_at__lte=now - unused)
        | Q(
            state=SubmissionState.VALIDATED,
            round__state=RoundState.CLOSED,
            round__closed_at__lte=now - unused,
        )
    )
