"""Working days: the Chinese public holidays and adjusted working days (调休), from the
calendar table (:class:`liudong.codes.models.CalendarDay`).

A day is a working day when the table says it is an adjusted working day, or it is a
Monday–Friday the table does not mark as a holiday. For a year the table has no row of,
that is plain Monday–Friday, and :func:`calendar_missing` says so, so a page can warn that
its deadlines ignore that year's holidays until an administrator adds the announcement.

Deadlines count whole working days after the start's day: ``add_working_days(t, 2)`` is
the same time of day on the second working day after ``t``'s date (a start on a holiday
counts from the next working day).
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterable
from typing import Any, overload

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

# Years are looked up at most this far from the start (a deadline of ten years is an error).
MAX_SPAN_DAYS = 3660


# Years read from the table, per process: {year: (read at, holidays, workdays, has rows)}.
# A change in this process clears it at once (signals); other processes (web workers, the
# job runner) read the table again after CACHE_SECONDS.
CACHE_SECONDS = 300
_cache: dict[int, tuple[float, frozenset[datetime.date], frozenset[datetime.date], bool]] = {}


def _year(year: int) -> tuple[frozenset[datetime.date], frozenset[datetime.date], bool]:
    """(holidays, adjusted working days, has rows) of one year."""
    from liudong.codes.models import CalendarDay, CalendarDayKind

    now = time.monotonic()
    kept = _cache.get(year)
    if kept is not None and now - kept[0] < CACHE_SECONDS:
        return kept[1], kept[2], kept[3]
    holidays: set[datetime.date] = set()
    workdays: set[datetime.date] = set()
    rows = CalendarDay.objects.filter(
        date__gte=datetime.date(year, 1, 1), date__lte=datetime.date(year, 12, 31)
    ).values_list("date", "kind")
    for day, kind in rows:
        (workdays if kind == CalendarDayKind.WORKDAY else holidays).add(day)
    found = (frozenset(holidays), frozenset(workdays), bool(holidays or workdays))
    _cache[year] = (now, *found)
    return found


def calendar_changed(**kwargs: Any) -> None:
    _cache.clear()


def connect_signals(model: type) -> None:
    post_save.connect(calendar_changed, sender=model, dispatch_uid="liudong-calendar-save")
    post_delete.connect(calendar_changed, sender=model, dispatch_uid="liudong-calendar-delete")


def calendar_missing(year: int) -> bool:
    """The table has no row for ``year``: its days count as plain Monday–Friday."""
    return not _year(year)[2]


def missing_years(days: Iterable[datetime.date | datetime.datetime | None]) -> list[int]:
    """The years among ``days`` whose calendar is missing, in order (for a page's warning)."""
    years = {day.year for day in days if day is not None}
    return sorted(year for year in years if calendar_missing(year))


def is_working_day(day: datetime.date) -> bool:
    holidays, workdays, _ = _year(day.year)
    if day in workdays:
        return True
    if day in holidays:
        return False
    return day.weekday() < 5


def _local_date(value: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


@overload
def add_working_days(start: datetime.datetime, n: int) -> datetime.datetime: ...
@overload
def add_working_days(start: datetime.date, n: int) -> datetime.date: ...
def add_working_days(
    start: datetime.date | datetime.datetime, n: int
) -> datetime.date | datetime.datetime:
    """The ``n``-th working day after ``start``'s day (a date for a date; for a datetime,
    the same local time of day on that day). ``n`` of 0 is the start itself."""
    if n < 0:
        raise ValueError("n must be 0 or more")
    day = _local_date(start)
    left = n
    for _step in range(MAX_SPAN_DAYS):
        if left == 0:
            break
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    else:
        raise ValueError("deadline too far away")
    if isinstance(start, datetime.datetime):
        local = timezone.localtime(start) if timezone.is_aware(start) else start
        moved = datetime.datetime.combine(day, local.timetz().replace(tzinfo=None))
        return timezone.make_aware(moved, local.tzinfo) if timezone.is_aware(start) else moved
    return day


def working_days_between(
    start: datetime.date | datetime.datetime, end: datetime.date | datetime.datetime
) -> int:
    """How many working days lie after ``start``'s day up to and including ``end``'s day
    (0 when ``end`` is not later; ``add_working_days(s, n)`` gives ``n``)."""
    first, last = _local_date(start), _local_date(end)
    count = 0
    day = first
    for _step in range(MAX_SPAN_DAYS):
        if day >= last:
            break
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


# The package's English names, in the announcement's words.
NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def seed_from_package(model: Any) -> int:
    """Add the days the ``chinesecalendar`` package knows (installed with the project, no
    network) that the table has not yet; returns how many were added. ``model`` is the
    CalendarDay model (the migration passes its historical model)."""
    from chinese_calendar.constants import holidays, workdays

    have = set(model.objects.values_list("date", flat=True))
    rows = [
        model(date=day, kind="holiday", name=NAMES_ZH.get(name, str(name))[:60])
        for day, name in holidays.items()
        if day not in have
    ]
    rows += [
        model(date=day, kind="adjusted_workday", name=NAMES_ZH.get(name, str(name))[:60])
        for day, name in workdays.items()
        if day not in have
    ]
    model.objects.bulk_create(rows, batch_size=500)
    _cache.clear()
    return len(rows)
