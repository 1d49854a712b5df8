"""Tallies of open records and coverage figures with their targets and traffic lights."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from liudong.analytics.figures.targets import Target
from liudong.members.models import FlowScope, FlowStatus

MANAGED, LOST = str(FlowStatus.MANAGED), str(FlowStatus.LOST)
SCOPE_KEYS = [str(s) for s in FlowScope]  # the four flow scopes, outflow
INFLOW_KEY = "inflow"


@dataclass
class Tally:
    """Counts of open records: total and by status, and overdue contact."""

    total: int = 0
    managed: int = 0
    registered: int = 0
    lost: int = 0
    overdue: int = 0

    def add(self, status: str, n: int, overdue: int = 0) -> None:
        self.total += n
        self.overdue += overdue
        if status == MANAGED:
            self.managed += n
        elif status == LOST:
            self.lost += n
        else:
            self.registered += n

    def merge(self, other: Tally) -> None:
        for name in ("total", "managed", "registered", "lost", "overdue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def coverage(self) -> float | None:
        """Managed ÷ open, in percent (one decimal); None without records."""
        if not self.total:
            return None
        return round(100.0 * self.managed / self.total, 1)

    def as_dict(self) -> dict[str, Any]:
        # Spelled out: dataclasses.asdict deep-copies, and a dashboard has hundreds of these.
        return {
            "total": self.total,
            "managed": self.managed,
            "registered": self.registered,
            "lost": self.lost,
            "overdue": self.overdue,
            "coverage": self.coverage,
        }


@dataclass
class Coverage:
    """A coverage figure with its target: value, target, gap and a traffic light."""

    key: str
    label: str | Promise
    tally: Tally
    target: Decimal | None

    @property
    def value(self) -> float | None:
        return self.tally.coverage

    @property
    def gap(self) -> float | None:
        if self.value is None or self.target is None:
            return None
        return round(max(0.0, float(self.target) - self.value), 1)

    @property
    def light(self) -> str:
        return traffic_light(self.value, self.target)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": str(self.label),
            **self.tally.as_dict(),
            "target": float(self.target) if self.target is not None else None,
            "gap": self.gap,
            "light": self.light,
        }


AMBER_POINTS = 10.0


def traffic_light(value: float | None, target: Decimal | float | None) -> str:
    """green: target met; amber: within 10 points; red: further; grey: nothing to measure."""
    if value is None or target is None:
        return "grey"
    if value >= float(target):
        return "green"
    if float(target) - value <= AMBER_POINTS:
        return "amber"
    return "red"


def coverage_figures(tallies: Mapping[str, Tally], target: Target) -> list[Coverage]:
    """Coverage of the own outflow members in province and out of province (with the
    targets that apply), inflow coverage apart, and all open records (the written
    definitions: ``analytics.figures.definitions``)."""
    return [
        Coverage("in_province", _("In province"), tallies["in_province"], target.in_province),
        Coverage(
            "out_of_province",
            _("Out of province"),
            tallies["out_of_province"],
            target.out_of_province,
        ),
        Coverage("inflow", _("Inflow"), tallies["inflow"], None),
        Coverage("all", _("All open records"), tallies["all"], None),
    ]
