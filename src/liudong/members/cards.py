"""The ledger's card on the station workbench: the alerts that reach the user's side."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from liudong.core.cards import STATION_HOME, WIDE, Card, CardContext, register
from liudong.core.roles import Role
from liudong.members import alert_board

WORKBENCH_ROWS = 6


def _alerts(ctx: CardContext) -> dict[str, Any]:
    mine = alert_board.on_my_side(ctx.user)
    escalated = alert_board.escalated_to_me(ctx.user)
    rows = mine.select_related("flow__member").order_by("-raised_on", "-id")[:WORKBENCH_ROWS]
    return {"count": mine.count(), "escalated": escalated.count(), "rows": list(rows)}


register(
    Card(
        "workbench_alerts",
        _("Alerts on your side"),
        "members/workbench_alerts.html",
        _alerts,
        levels=(STATION_HOME,),
        roles=(Role.STATION_STAFF,),
        order=20,
        width=WIDE,
    )
)
