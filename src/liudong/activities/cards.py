"""The station workbench's activities (its slot 40): today's and the week's activities of
the station's side, soonest first, and those over awaiting their summary."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liudong.activities import queries, report_figures
from liudong.activities.models import ActivityStatus
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

WORKBENCH_ROWS = 8
AHEAD = datetime.timedelta(days=7)


def _coming(ctx: CardContext) -> dict[str, Any]:
    now = timezone.now()
    in_week = Q(ends_at__gt=now, starts_at__lt=now + AHEAD)
    planned = queries.changeable(ctx.user).filter(status=ActivityStatus.PLANNED)
    rows = queries.with_counts(planned.filter(in_week)).select_related("organizer")
    shown = list(rows.order_by("starts_at", "id")[:WORKBENCH_ROWS])
    today = timezone.localdate()
    for row in shown:
        row.today = timezone.localtime(row.starts_at).date() == today
    # The week's count (without the sign-ups' join) and those awaiting their summary
    # (queries.awaiting_summary: over, still planned) in one statement (decision 163).
    over = Q(ends_at__lte=now)
    counts = planned.filter(in_week | over).aggregate(
        count=Count("pk", filter=in_week), awaiting=Count("pk", filter=over)
    )
    return {"rows": shown, "count": counts["count"] or 0, "awaiting": counts["awaiting"] or 0}


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
