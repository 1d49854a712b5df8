"""The dashboards' cards: a registry any app adds to (core knows no app's cards).

A dashboard is a list of cards. Each card names its key, title, partial template, the
levels it shows on (city, county, branch, station: the dashboard's app says which level an
organization in view is), optionally an *applies to* predicate on that organization (a card
about "our stations" means nothing for a township), optionally the roles, and a *figure
function* that receives a :class:`CardContext` (the viewer, the organization in view, the
filters and the dashboard's figures) and returns what the partial shows, or None to hide the
card. Figure functions read through the scope gate like every query.

An app adds cards without touching this module: put a ``cards.py`` in the app that calls
:func:`register` at import time; the registry imports every installed app's ``cards``
module on first use (``autodiscover_modules``)::

    # src/liudong/stations/cards.py
    from liudong.core.cards import Card, register

    register(Card("check_ins", _("Check-ins"), "stations/card_check_ins.html", check_ins,
                  order=45))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise

from liudong.core.registry import Registry

CITY, COUNTY, BRANCH, STATION = "city", "county", "branch", "station"
LEVELS = (CITY, COUNTY, BRANCH, STATION)
# The station staff's home page (the station workbench) is a list of cards too, at a level
# of its own that no dashboard shows (a card names it in ``levels`` to appear there). Its
# slots by ``order``: 10 check-ins to answer, 20 alerts, 30 service requests by deadline,
# 40 today's and coming activities, 90 the latest notifications; an app fills a slot from
# its own ``cards.py``.
STATION_HOME = "station_home"
SMALL = "col-6 col-xl-3"
THIRD = "col-12 col-md-4"
WIDE = "col-12 col-xl-6"
FULL = "col-12"


@dataclass
class CardContext:
    user: Any
    organization: Any
    level: str
    filters: Any
    board: dict[str, Any]  # the figures of the dashboard the card is on
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Card:
    key: str
    title: str | Promise
    template: str
    figure: Callable[[CardContext], Any]
    levels: tuple[str, ...] = LEVELS
    roles: tuple[str, ...] | None = None  # None: every staff role
    order: int = 100
    width: str = SMALL
    applies_to: Callable[[Any], bool] | None = None  # None: every org of its levels

    def applies(self, org: Any, level: str) -> bool:
        """Whether the card means something on the dashboard of ``org`` (at ``level``)."""
        if level not in self.levels:
            return False
        return self.applies_to is None or self.applies_to(org)


_CARDS: Registry[Card] = Registry("cards")
register = _CARDS.register
unregister = _CARDS.unregister
all_cards = _CARDS.items


def cards_for(ctx: CardContext) -> list[dict[str, Any]]:
    """The cards this viewer sees at this level, each with its computed figure."""
    shown = []
    role = getattr(ctx.user, "role", None)
    for card in all_cards():
        if not card.applies(ctx.organization, ctx.level):
            continue
        if card.roles and role not in card.roles and not getattr(ctx.user, "is_superuser", False):
            continue
        figure = card.figure(ctx)
        if figure is None:
            continue
        shown.append({"card": card, "figure": figure})
    return shown
