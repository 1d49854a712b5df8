"""The member's page (staff side): the member's check-ins at stations, refusals with
their reason, so the home organization sees what the station answered."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from liudong.members.panels import Panel, register
from liudong.stations import queries

LIMIT = 20


def member_check_ins(user: Any, member: Any) -> dict[str, Any]:
    rows = list(
        queries.check_ins(user)
        .filter(member=member)
        .select_related("station", "decided_by")
        .order_by("-requested_at", "-id")[: LIMIT + 1]
    )
    return {"check_ins": rows[:LIMIT], "more": len(rows) > LIMIT}


register(
    Panel(
        "check_ins",
        _("Check-ins at stations"),
        "stations/panel_check_ins.html",
        member_check_ins,
        order=10,
    )
)
