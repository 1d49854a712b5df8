"""The latest notifications on the station workbench."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from liudong.core.cards import STATION_HOME, WIDE, Card, CardContext, register
from liudong.core.roles import Role
from liudong.notifications import queries

WORKBENCH_ROWS = 6


def _latest(ctx: CardContext) -> dict[str, Any]:
    return {
        "latest": queries.latest(ctx.user, WORKBENCH_ROWS),
        "unread": queries.unread_count(ctx.user),
    }


register(
    Card(
        "workbench_notifications",
        _("Latest notifications"),
        "notifications/workbench_card.html",
        _latest,
        levels=(STATION_HOME,),
        roles=(Role.STATION_STAFF,),
        order=90,
        width=WIDE,
    )
)
