"""The member's page (staff side): the member's suggestions (through the gate: the home
county sees them) and their interest in job openings (the stations that posted them)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liudong.members.panels import Panel, register
from liudong.voice import queries

LIMIT = 20


def member_suggestions(user: Any, member: Any) -> dict[str, Any] | None:
    rows = list(queries.suggestions(user).filter(member=member)[: LIMIT + 1])
    new_url = ""
    if queries.works_at_a_station(user):
        new_url = f"{reverse('voice:suggestion_new')}?member={member.pk}"
    if not rows and not new_url:
        return None
    return {"suggestions": rows[:LIMIT], "more": len(rows) > LIMIT, "new_url": new_url}


def member_jobs(user: Any, member: Any) -> dict[str, Any] | None:
    rows = list(queries.interest(user).filter(member=member)[: LIMIT + 1])
    if not rows:
        return None
    return {"interest": rows[:LIMIT], "more": len(rows) > LIMIT}


register(
    Panel(
        "suggestions",
        _("Suggestions and leads"),
        "voice/panel_suggestions.html",
        member_suggestions,
        order=40,
    )
)
register(
    Panel("job_interest", _("Interest in jobs"), "voice/panel_jobs.html", member_jobs, order=41)
)
