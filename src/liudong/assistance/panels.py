"""The member's page (staff side): the member's service requests, their state and outcome.
The home side sees that they exist and how they ended; the text stays on the request."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liudong.assistance import queries
from liudong.members.panels import Panel, register

LIMIT = 20


def member_requests(user: Any, member: Any) -> dict[str, Any] | None:
    rows = list(
        queries.requests(user).filter(member=member).order_by("-submitted_at", "-id")[: LIMIT + 1]
    )
    new_url = ""
    if queries.works_at_a_station(user):
        new_url = f"{reverse('assistance:new')}?member={member.pk}"
    if not rows and not new_url:
        return None
    return {
        "requests": rows[:LIMIT],
        "more": len(rows) > LIMIT,
        "new_url": new_url,
    }


register(
    Panel(
        "service_requests",
        _("Service requests"),
        "assistance/panel_requests.html",
        member_requests,
        order=20,
    )
)
