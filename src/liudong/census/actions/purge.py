"""Purging the files that retention no longer keeps."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field

from django.utils import timezone

from liudong.census import files, retention
from liudong.census.models import (
    CensusSubmission,
)
from liudong.core import audit

# --- files no longer needed (decision 54) ------------------------------------------------

ORPHAN_AGE = datetime.timedelta(days=1)  # a file no submission names: an upload cut off


@dataclass
class Purged:
    submissions: list[int] = field(default_factory=list)
    files: int = 0
    orphans: int = 0


def purge_files(*, now: datetime.datetime | None = None, dry_run: bool = False) -> Purged:
    """Delete the census files that are due; one audit row for the run (none if nothing)."""
    now = now or timezone.now()
    result = Purged()
    for pk, stored, staged in retention.due(now).values_list("pk", "stored_file", "staged_file"):
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
    for name, modified in list(files.stored_names()):
        if name not in named and modified < cutoff:
            result.orphans += 1
            if not dry_run:
                files.delete(name)
    if not dry_run and (result.files or result.orphans):
        with audit.action("census.purge_files"):
            audit.record(
                "delete",
                detail="census files deleted: "
                f"{result.files} of {len(result.submissions)} submissions, "
                f"{result.orphans} unnamed",
            )
    return result
