"""The member's page (staff side): the activities the member attended, with volunteer
hours, which the home organization reads for the yearly appraisal."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from liudong.activities import queries
from liudong.members.panels import Panel, register

LIMIT = 20


def member_participation(user: Any, member: Any) -> dict[str, Any] | None:
    rows = queries.participation(user, member)
    shown = list(rows[: LIMIT + 1])
    if not shown:
        return None
    total = rows.aggregate(hours=Sum("volunteer_hours"))["hours"]
    return {
        "rows": shown[:LIMIT],
        "more": len(shown) > LIMIT,
        "count": rows.count(),
        "hours": total or 0,
    }


register(
    Panel(
        "activities",
        _("Activities attended"),
        "activities/panel_participation.html",
        member_participation,
        order=12,
    )
)
