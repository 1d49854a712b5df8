"""The filters of the map and the dashboards, from the URL: direction, status, reason, period.

Which of them the rollup answers (direction, status) and which the records do, through
the indexes of migration 0004 (reason, period): :mod:`.reader`.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import QuerySet

from liudong.members.models import OPEN_STATUSES, Direction


@dataclass(frozen=True)
class FigureFilter:
    """Filters of the map and dashboards, from the URL: direction, status, reason, period.

    The period keeps records whose stay began (``left_on``) in it: a year ``2024`` or a
    month ``2024-06``.
    """

    direction: str = ""
    status: str = ""
    reason: str = ""
    period: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any] | None) -> FigureFilter:
        params = params or {}

        def text(name: str, limit: int = 20) -> str:
            return str(params.get(name) or "").strip()[:limit]

        direction = text("direction")
        status = text("status")
        period = text("period", 7)
        if period and period_bounds(period) is None:
            period = ""
        return cls(
            direction=direction if direction in Direction.values else "",
            status=status if status in OPEN_STATUSES else "",
            reason=text("reason"),
            period=period,
        )

    def params(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}

    @property
    def is_empty(self) -> bool:
        return not (self.direction or self.status or self.reason or self.period)

    @property
    def rollup_answers(self) -> bool:
        """The rollup has columns for this filter's fields (direction, status)."""
        return not (self.reason or self.period)

    def apply(self, records: QuerySet) -> QuerySet:
        """Filter flow records (or, for direction and status, the rollup's rows)."""
        if self.direction:
            records = records.filter(direction=self.direction)
        if self.status:
            records = records.filter(status=self.status)
        if self.reason:
            records = records.filter(reason=self.reason)
        bounds = period_bounds(self.period)
        if bounds:
            records = records.filter(left_on__gte=bounds[0], left_on__lt=bounds[1])
        return records


def period_bounds(period: str) -> tuple[datetime.date, datetime.date] | None:
    """[first day, first day after) of a period ``YYYY`` or ``YYYY-MM``; None: not one."""
    try:
        if len(period) == 4:
            year = int(period)
            return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
        if len(period) == 7 and period[4] == "-":
            year, month = int(period[:4]), int(period[5:])
            start = datetime.date(year, month, 1)
            return start, (start + datetime.timedelta(days=32)).replace(day=1)
    except ValueError:
        return None
    return None
