"""The monthly report's parts that other apps add (service requests, activities): a
registry, so the report (analytics) reads each app's figures without restating its rules.

An app puts a ``report_figures.py`` beside its models that calls :func:`register` with a
:class:`ReportPart`: its columns and a *figure function* that receives the viewer, the
report's units (its rows: organizations' subtrees, and single stations) and the month's
bounds, and returns, per unit key, the values of its columns. Figure functions read through
the scope gate like every query; a unit's figures are computed for the unit itself (a
median is not a sum), so the totals row is a unit of its own, never the sum of the rows.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from liudong.core.registry import Registry

COUNT, RATE, NUMBER = "count", "rate", "number"


@dataclass(frozen=True)
class Unit:
    """A row of the report: an organization's subtree (``path``), or one station (its id
    and its mobile branch's id)."""

    key: str
    label: str
    path: str = ""
    station_id: int | None = None
    branch_id: int | None = None

    def holds_station(self, station_id: int, paths: Iterable[str | None]) -> bool:
        """Whether a station (its id, its organization's and branch's paths) is this unit's."""
        if self.station_id is not None:
            return station_id == self.station_id
        return bool(self.path) and any(p and p.startswith(self.path) for p in paths)

    def holds_organizer(self, organizer_id: int, path: str) -> bool:
        """Whether an activity's organizer (an organization) is this unit's."""
        if self.station_id is not None:
            return organizer_id == self.branch_id
        return bool(self.path) and path.startswith(self.path)


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    kind: str = COUNT  # COUNT (summable), RATE (a percentage), NUMBER (a median, a mean)


Figures = Callable[[Any, list[Unit], datetime.datetime, datetime.datetime], dict[str, dict]]


@dataclass(frozen=True)
class ReportPart:
    key: str
    title: str | Promise
    columns: Callable[[], list[Column]]  # called in the reader's language
    figures: Figures
    note: str | Promise = ""  # how the part's figures are counted (under its table)
    order: int = 100


_PARTS: Registry[ReportPart] = Registry("report_figures")
register = _PARTS.register
unregister = _PARTS.unregister
all_parts = _PARTS.items


def month_bounds(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The month as [start, end) in local time."""
    from django.utils import timezone

    first = datetime.date(year, month, 1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()

    def moment(day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time()), tz)

    return moment(first), moment(following)


def this_month() -> tuple[datetime.datetime, datetime.datetime]:
    from django.utils import timezone

    today = timezone.localdate()
    return month_bounds(today.year, today.month)


def median(values: list[float]) -> float | None:
    """The median to one decimal, or None without values."""
    return round(float(statistics.median(values)), 1) if values else None


def share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in per cent to one decimal, or None when ``whole`` is 0."""
    return round(100.0 * part / whole, 1) if whole else None
