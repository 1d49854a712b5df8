"""The dashboard's card of members' suggestions (city and county dashboards)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from liudong.core.cards import CITY, COUNTY, Card, CardContext, register
from liudong.voice import figures


def _suggestions(ctx: CardContext) -> dict[str, Any] | None:
    if ctx.organization is None:
        return None
    return figures.suggestion_figures(ctx.user, organization=ctx.organization)


register(
    Card(
        "suggestions",
        _("Members' suggestions"),
        "voice/card_suggestions.html",
        _suggestions,
        levels=(CITY, COUNTY),
        order=70,
    )
)
