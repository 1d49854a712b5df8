"""How long a station has to accept and to resolve a request, in working days, per kind.

Defaults below; a deployment changes them with the setting ``LIUDONG_REQUEST_DEADLINES``
(``{"legal_aid": {"accept": 1, "resolve": 20}, ...}``; a kind left out keeps its default,
the key ``"*"`` sets every kind's). Working days follow the holiday calendar
(:mod:`liudong.codes.workdays`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from liudong.codes import workdays


@dataclass(frozen=True)
class Deadline:
    accept: int  # working days to accept (assign) a submitted request
    resolve: int  # working days from submission to resolution


DEFAULT = Deadline(accept=2, resolve=15)
DEFAULTS: dict[str, Deadline] = {
    "policy": Deadline(accept=2, resolve=10),
    "hardship": Deadline(accept=2, resolve=15),
    "employment": Deadline(accept=2, resolve=15),
    "legal_aid": Deadline(accept=2, resolve=20),
    "other": Deadline(accept=2, resolve=15),
}


def deadline_for(kind: str) -> Deadline:
    configured = getattr(settings, "LIUDONG_REQUEST_DEADLINES", {}) or {}
    base = DEFAULTS.get(kind, DEFAULT)
    for key in ("*", kind):
        override = configured.get(key) or {}
        base = Deadline(
            accept=int(override.get("accept", base.accept)),
            resolve=int(override.get("resolve", base.resolve)),
        )
    return base


def deadlines(
    kind: str, submitted_at: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime]:
    """(accept by, resolve by) for a request of ``kind`` submitted at ``submitted_at``."""
    rule = deadline_for(kind)
    return (
        workdays.add_working_days(submitted_at, rule.accept),
        workdays.add_working_days(submitted_at, rule.resolve),
    )


def overdue_condition(now: datetime.datetime) -> Q:
    """Open requests past a deadline: not accepted by ``accept_by``, or not resolved by
    ``resolve_by`` (the one rule for the job, the lists and the bell)."""
    return Q(status="submitted", accept_by__lt=now) | Q(
        status__in=("submitted", "accepted", "in_progress"), resolve_by__lt=now
    )
