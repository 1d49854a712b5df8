"""Progress, heartbeat and the cancel flag of a running census job.

Live figures go to the cache (Redis when configured, else this process's memory), because
the commit runs in one long transaction whose own writes no other connection sees until
the end; the submission row gets the phase and a heartbeat between transactions. A job
whose heartbeat is older than ``LIUDONG_CENSUS_STALE_SECONDS`` was killed: its state says
running, nothing it did in its transaction survived, and it may be started again.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from liudong.census.models import CensusSubmission

KEY = "liudong:census:{pk}:{what}"
TTL = 24 * 3600


class Cancelled(Exception):
    """The user asked the job to stop."""


def stale_seconds() -> int:
    return int(getattr(settings, "LIUDONG_CENSUS_STALE_SECONDS", 120))


def _key(pk: int, what: str) -> str:
    return KEY.format(pk=pk, what=what)


def live(pk: int) -> dict[str, Any] | None:
    return cache.get(_key(pk, "progress"))


def request_cancel(pk: int) -> None:
    cache.set(_key(pk, "cancel"), True, TTL)


def clear(pk: int) -> None:
    cache.delete_many([_key(pk, "cancel"), _key(pk, "progress")])


def is_stale(submission: CensusSubmission) -> bool:
    if not submission.is_running:
        return False
    beats = [submission.heartbeat_at or submission.uploaded_at]
    found = live(submission.pk)
    if found and found.get("at"):
        beats.append(datetime.datetime.fromtimestamp(found["at"], tz=datetime.UTC))
    newest = max(b for b in beats if b is not None)
    return (timezone.now() - newest).total_seconds() > stale_seconds()


class Progress:
    """Called by the job every row or so; writes at most a few times a second."""

    def __init__(self, pk: int, *, in_transaction: bool = False) -> None:
        self.pk = pk
        self.in_transaction = in_transaction
        self._last = 0.0
        self._last_db = 0.0

    def __call__(self, phase: str, done: int, total: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < 0.25:
            return
        self._last = now
        cache.set(
            _key(self.pk, "progress"),
            {"phase": phase, "done": done, "total": total, "at": time.time()},
            TTL,
        )
        if cache.get(_key(self.pk, "cancel")):
            raise Cancelled
        if not self.in_transaction and (force or now - self._last_db > 2.0):
            self._last_db = now
            CensusSubmission.objects.filter(pk=self.pk).update(
                phase=phase, rows_done=done, rows_total=total, heartbeat_at=timezone.now()
            )
            if CensusSubmission.objects.filter(pk=self.pk, cancel_requested=True).exists():
                raise Cancelled
