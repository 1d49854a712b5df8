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

The database keeps what the round's progress needs (counts, problems, conflicts with their
encrypted row); the error workbook falls back to the list of problems once the file is gone.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from liudong.census import files
from liudong.census.models import CensusSubmission, RoundState, SubmissionState
from liudong.core import audit

ORPHAN_AGE = datetime.timedelta(days=1)
UNUSED = (SubmissionState.REJECTED, SubmissionState.CANCELLED, SubmissionState.SUPERSEDED)


@dataclass
class Purged:
    submissions: list[int] = field(default_factory=list)
    files: int = 0
    orphans: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"submissions": len(self.submissions), "files": self.files, "orphans": self.orphans}


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


def purge_files(*, now: datetime.datetime | None = None, dry_run: bool = False) -> Purged:
    """Delete the census files that are due; one audit row for the run (none if nothing)."""
    now = now or timezone.now()
    result = Purged()
    for pk, stored, staged in due(now).values_list("pk", "stored_file", "staged_file"):
        result.submissions.append(pk)
        result.files += bool(stored) + bool(staged)
        if not dry_run:
            files.delete(stored)
            files.delete(staged)
            CensusSubmission.objects.filter(pk=pk).update(stored_file="", staged_file="")
    named = set()
    for stored, staged in CensusSubmission.objects.values_list("stored_file", "staged_file"):
        named.update((stored, staged))
    cutoff = time.time() - ORPHAN_AGE.total_seconds()
    for path in files.census_dir().iterdir():
        if path.is_file() and path.name not in named and path.stat().st_mtime < cutoff:
            result.orphans += 1
            if not dry_run:
                files.delete(path.name)
    if not dry_run and (result.files or result.orphans):
        with audit.action("census.purge_files"):
            audit.record(
                "delete",
                detail="census files deleted: "
                f"{result.files} of {len(result.submissions)} submissions, "
                f"{result.orphans} unnamed",
            )
    return result
