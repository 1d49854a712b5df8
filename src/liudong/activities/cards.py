"""The station workbench's activities (its slot 40): today's and the week's activities of
the station's side, soonest first, and those over awaiting their summary."""

from __future__ import annotations

import datetime
from typing import Any, NamedTuple

from django.db.models import (
    Case,
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liudong.activities import queries, report_figures
from liudong.activities.models import ActivityStatus, SignUp
from liudong.core import compiled
from liudong.core.cards import (
    CITY,
    COUNTY,
    STATION,
    STATION_HOME,
    WIDE,
    Card,
    CardContext,
    register,
)
from liudong.core.report_parts import Unit, this_month
from liudong.core.roles import Role
from liudong.core.scope import gate_key

WORKBENCH_ROWS = 8
AHEAD = datetime.timedelta(days=7)


class WeekRow(NamedTuple):
    """An activity of the week as the card shows it."""

    pk: int
    title: str
    starts_at: datetime.datetime
    signed_up: int
    today: bool


def _week_and_awaiting(user: Any, now: datetime.datetime) -> QuerySet:
    """The side's planned activities of the week (``ends_at`` after ``now``, starting within
    :data:`AHEAD`) soonest first, then those over and still planned (awaiting their
    summary: ``queries.awaiting_summary``), with both counted beside each row (a window
    over all of them, before the limit). One statement (decision 193)."""
    in_week = Q(ends_at__gt=now, starts_at__lt=now + AHEAD)
    over = queries.summary_awaited(now)
    signed_up = (
        SignUp.objects.filter(activity=OuterRef("pk"))
        .order_by()
        .values("activity")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        queries.changeable(user)
        .filter((Q(status=ActivityStatus.PLANNED) & in_week) | over)
        .annotate(
            later=Case(When(in_week, then=Value(0)), default=Value(1)),
            signed_up=Coalesce(Subquery(signed_up), 0),
            n_week=Window(Count("pk", filter=in_week)),
            n_over=Window(Count("pk", filter=over)),
        )
        .order_by("later", "starts_at", "id")
        .values_list("pk", "title", "starts_at", "signed_up", "later", "n_week", "n_over")[
            :WORKBENCH_ROWS
        ]
    )


def _coming(ctx: CardContext) -> dict[str, Any]:
    now = timezone.now()
    user = ctx.user
    found = compiled.rows(
        ("activities.workbench_week", gate_key(user), WORKBENCH_ROWS),
        lambda: _week_and_awaiting(user, compiled.clock()),
        now=now,
    )
    today = timezone.localdate()
    shown = [
        WeekRow(pk, title, starts_at, signed_up, timezone.localtime(starts_at).date() == today)
        for pk, title, starts_at, signed_up, later, _week, _over in found
        if not later
    ]
    count, awaiting = found[0][5:] if found else (0, 0)
    return {"rows": shown, "count": count, "awaiting": awaiting}


register(
    Card(
        "workbench_activities",
        _("Today's and this week's activities"),
        "activities/workbench_activities.html",
        _coming,
        levels=(STATION_HOME,),
        roles=(Role.STATION_STAFF, Role.COUNTY_ADMIN),
        order=40,
        width=WIDE,
    )
)


# --- the dashboards (city, county, station) ------------------------------------------------


def _this_month(ctx: CardContext) -> dict[str, Any] | None:
    """This month's activities in the organization's subtree, their attendance rate and
    volunteer hours (the monthly report's figures)."""
    if ctx.organization is None:
        return None
    start, end = this_month()
    whole = Unit(ctx.organization.code, "", path=ctx.organization.path)
    return report_figures.figures(ctx.user, [whole], start, end)[whole.key]


register(
    Card(
        "activities_month",
        _("Activities this month"),
        "activities/card_month.html",
        _this_month,
        levels=(CITY, COUNTY, STATION),
        order=47,
    )
)
