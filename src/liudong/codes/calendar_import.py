"""A year's holiday announcement as text, for ``liudong calendar import FILE``.

One day or range a line, ``#`` starts a comment::

    # 国务院办公厅关于2027年部分节假日安排的通知
    2027-01-01            holiday  元旦
    2027-10-01..2027-10-07 holiday  国庆节
    2027-09-26            workday  国庆节

``workday`` (or ``adjusted_workday``, ``班``) marks a weekend day worked; ``holiday`` (or
``休``) a day off. The rows are written by :func:`liudong.codes.actions.set_calendar_days`.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from liudong.codes.models import CalendarDayKind
from liudong.core.errors import DomainError

KINDS = {
    "holiday": CalendarDayKind.HOLIDAY,
    "休": CalendarDayKind.HOLIDAY,
    "workday": CalendarDayKind.WORKDAY,
    "adjusted_workday": CalendarDayKind.WORKDAY,
    "班": CalendarDayKind.WORKDAY,
}
MAX_RANGE_DAYS = 31


def _day(text: str, number: int) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise DomainError(
            "calendar_bad_date",
            _("Line %(line)s: %(text)s is not a date (YYYY-MM-DD).")
            % {"line": number, "text": text},
            "file",
        ) from exc


def parse(text: str) -> list[tuple[datetime.date, str, str]]:
    """(date, kind, name) for every day the text names; a clear refusal per bad line."""
    days: dict[datetime.date, tuple[str, str]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 2)
        if len(parts) < 2 or parts[1] not in KINDS:
            raise DomainError(
                "calendar_bad_line",
                _("Line %(line)s: write a date or range, then holiday or workday, then a name.")
                % {"line": number},
                "file",
            )
        first_text, _sep, last_text = parts[0].partition("..")
        first = _day(first_text, number)
        last = _day(last_text, number) if last_text else first
        if last < first or (last - first).days >= MAX_RANGE_DAYS:
            raise DomainError(
                "calendar_bad_range",
                _("Line %(line)s: the range runs backwards or is too long.") % {"line": number},
                "file",
            )
        name = parts[2].strip() if len(parts) > 2 else ""
        day = first
        while day <= last:
            days[day] = (KINDS[parts[1]], name[:60])
            day += datetime.timedelta(days=1)
    return [(day, kind, name) for day, (kind, name) in sorted(days.items())]
