"""Contact overdue: the one rule, asked by every page, list, export, scan and figure.

A flow record is *contact overdue* when it is open and its last contact (or, never
contacted, the day the member left) lies ``LIUDONG_CONTACT_OVERDUE_DAYS`` (90) days back
or more: on day 90 it is overdue, on day 89 not yet (decision 74). The same "N days or
more" reading serves every silence threshold (the suggestion to treat as lost contact).

Every reader takes the date from :func:`overdue_cutoff` and the condition from
:func:`overdue_condition` (or :func:`silent_before` for a cutoff of its own, like the
rollup's anchor day): the alert scan, the ledger's filter and rows, the API, the export,
the dashboard and the rollup (whose SQL and triggers compare with ``<`` to a cutoff
taken from here, passed as a parameter). :func:`overdue_days` is the one reader of the
setting.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

DEFAULT_OVERDUE_DAYS = 90


def overdue_days() -> int:
    """The contact interval in days (``LIUDONG_CONTACT_OVERDUE_DAYS``, at least 1)."""
    return max(1, int(getattr(settings, "LIUDONG_CONTACT_OVERDUE_DAYS", DEFAULT_OVERDUE_DAYS)))


def silence_cutoff(days: int, today: datetime.date | None = None) -> datetime.date:
    """The first day whose contact keeps a record from ``days`` days of silence: a record
    whose last contact (or start) lies before it has had none for ``days`` days or more."""
    return (today or timezone.localdate()) - datetime.timedelta(days=days - 1)


def overdue_cutoff(today: datetime.date | None = None) -> datetime.date:
    """Records last contacted (or, never contacted, left) before this day are overdue."""
    return silence_cutoff(overdue_days(), today)


def silent_before(cutoff: datetime.date, prefix: str = "") -> Q:
    """No contact on or after ``cutoff``: the last contact, or the day the member left when
    never contacted, lies before it (two branches, each answered by its own index)."""
    return Q(**{f"{prefix}last_contact_on__lt": cutoff}) | Q(
        **{f"{prefix}last_contact_on__isnull": True, f"{prefix}left_on__lt": cutoff}
    )


def overdue_condition(cutoff: datetime.date | None = None, prefix: str = "") -> Q:
    """Open and contact overdue (``cutoff``: default today's, :func:`overdue_cutoff`)."""
    cutoff = cutoff or overdue_cutoff()
    return Q(**{f"{prefix}is_open": True}) & silent_before(cutoff, prefix)


def with_overdue(rows: QuerySet, cutoff: datetime.date | None = None) -> QuerySet:
    """Flow records annotated with ``contact_overdue`` (the same condition, in the SELECT),
    for pages and exports that show a mark per row."""
    flag = ExpressionWrapper(overdue_condition(cutoff), output_field=BooleanField())
    return rows.annotate(contact_overdue=flag)
