"""The ledger's card on the station workbench: the alerts that reach the user's side."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from liudong.core import compiled
from liudong.core.cards import STATION_HOME, WIDE, Card, CardContext, register
from liudong.core.roles import Role
from liudong.core.scope import gate_key
from liudong.members import alert_board, escalation

WORKBENCH_ROWS = 6


def _alerts(ctx: CardContext) -> dict[str, Any]:
    """The counts in one statement compiled once per scope and organizations (decision
    162), the rows only when there are some."""
    user = ctx.user
    ids = tuple(escalation.own_organization_ids(user))
    found = compiled.rows(
        ("members.workbench_alerts", gate_key(user), ids),
        lambda: alert_board.side_counts(user, ids),
    )
    _resolved, count, escalated = found[0] if found else (False, 0, 0)
    rows = []
    if count:
        mine = alert_board.on_my_side(user, ids).select_related("flow__member")
        rows = list(mine.order_by("-raised_on", "-id")[:WORKBENCH_ROWS])
    return {"count": count, "escalated": escalated, "rows": rows}


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
