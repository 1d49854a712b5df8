"""The statistics app's dashboard cards, and which level a dashboard is at.

The card registry itself (``Card``, ``CardContext``, ``register``) lives in
:mod:`liudong.core.cards`, so that any app adds cards without importing this one; its
names stay importable from here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from liudong.analytics import figures
from liudong.analytics.figures.definitions import definition
from liudong.core.cards import BRANCH as BRANCH
from liudong.core.cards import CITY as CITY
from liudong.core.cards import COUNTY as COUNTY
from liudong.core.cards import FULL as FULL
from liudong.core.cards import LEVELS as LEVELS
from liudong.core.cards import SMALL as SMALL
from liudong.core.cards import STATION as STATION
from liudong.core.cards import THIRD as THIRD
from liudong.core.cards import WIDE as WIDE
from liudong.core.cards import Card as Card
from liudong.core.cards import CardContext as CardContext
from liudong.core.cards import all_cards as all_cards
from liudong.core.cards import cards_for as cards_for
from liudong.core.cards import register as register
from liudong.core.cards import unregister as unregister
from liudong.orgs.models import Organization, OrgKind

# A branch (支部, 总支) holds members; it has no organizations below it to rank, no
# stations and no inflow of its own.
BRANCH_LEVEL_KINDS = (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH)


def level_of(org: Organization) -> str:
    """The level of a dashboard about ``org``: the city (the root), a station (its mobile
    branch), a branch, or a county (county-level bodies and townships)."""
    if figures.basis_for(org) == figures.ATTACHED:
        return STATION
    if org.parent_id is None:
        return CITY
    if org.kind in BRANCH_LEVEL_KINDS:
        return BRANCH
    return COUNTY


def runs_stations(org: Organization) -> bool:
    """Stations (mobile branches) are set up by county committees."""
    return org.kind == OrgKind.COUNTY_COMMITTEE


# --- the statistics app's own cards ----------------------------------------------------------


def _members_found(ctx: CardContext) -> dict[str, Any]:
    b = ctx.board
    return {
        "value": b["members_found"],
        "open": b.get("members_open", b["members_found"]),
        "round": (b.get("members_found_round") or {}).get("name", ""),
        "outflow": b["totals"]["outflow"]["total"],
        "inflow": b["totals"]["inflow"]["total"],
    }


def _liaison(ctx: CardContext) -> dict[str, Any]:
    return {
        "value": ctx.board["outflow_under_liaison_stations"],
        "definition": definition("outflow_under_liaison_stations").text,
    }


def _service(ctx: CardContext) -> dict[str, Any]:
    return {
        "value": ctx.board["inflow_under_service_stations"],
        "definition": definition("inflow_under_service_stations").text,
    }


def _stations(ctx: CardContext) -> dict[str, Any] | None:
    s = ctx.board["stations"]
    if not s["total"] and ctx.level != CITY:
        return None
    return {
        "value": s["total"],
        "liaison": s["by_kind"].get("liaison", 0),
        "service": s["by_kind"].get("service", 0),
        "cities": s["liaison_cities"],
    }


def _coverage(key: str) -> Callable[[CardContext], Any]:
    def figure(ctx: CardContext) -> dict[str, Any] | None:
        for item in ctx.board["coverage"]:
            if item["key"] == key:
                return {**item, "definition": definition(key).text}
        return None

    return figure


def _alerts(ctx: CardContext) -> dict[str, Any]:
    a = ctx.board["alerts"]
    totals = ctx.board["totals"]["all"]
    return {
        "value": sum(a.values()),
        "overdue_contact": a.get("overdue_contact", 0),
        "suggest_lost": a.get("suggest_lost", 0),
        "yearly_report": a.get("yearly_report", 0),
        "lost": totals["lost"],
    }


def _co_managed(ctx: CardContext) -> dict[str, Any] | None:
    return {"value": ctx.board["co_managed_at_our_stations"]}


def _attached(ctx: CardContext) -> dict[str, Any]:
    t = ctx.board["totals"]["all"]
    return {"value": t["total"], "managed": t["managed"], "coverage": t["coverage"]}


def _rows(ctx: CardContext) -> dict[str, Any] | None:
    if not ctx.board["rows"]:
        return None
    return {"rows": ctx.board["rows"], "total": ctx.board["rows_total"]}


def _station_list(ctx: CardContext) -> dict[str, Any] | None:
    stations = ctx.board["stations"]["list"]
    return {"stations": stations} if stations else None


def _by_province(ctx: CardContext) -> dict[str, Any] | None:
    rows = sorted(ctx.board["by_province"].items(), key=lambda kv: -kv[1]["total"])
    return {"rows": [{"code": c, **v} for c, v in rows[:12]]} if rows else None


register(
    Card(
        "members_found",
        _("Mobile members found"),
        "analytics/cards/members_found.html",
        _members_found,
        levels=(CITY, COUNTY, BRANCH),
        order=10,
    )
)
register(
    Card(
        "attached",
        _("Members attached to the station"),
        "analytics/cards/attached.html",
        _attached,
        levels=(STATION,),
        order=10,
    )
)
register(
    Card(
        "outflow_under_liaison",
        _("Outflow members under the liaison stations"),
        "analytics/cards/liaison.html",
        _liaison,
        levels=(CITY, COUNTY, BRANCH),
        order=20,
    )
)
register(
    Card(
        "inflow_under_service",
        _("Inflow members under the service stations"),
        "analytics/cards/service.html",
        _service,
        levels=(CITY, COUNTY),
        order=30,
    )
)
register(
    Card(
        "stations",
        _("Stations"),
        "analytics/cards/stations.html",
        _stations,
        levels=(CITY, COUNTY, STATION),
        order=40,
    )
)
register(
    Card(
        "coverage_in_province",
        _("Coverage in province"),
        "analytics/cards/coverage.html",
        _coverage("in_province"),
        levels=(CITY, COUNTY, BRANCH),
        width=THIRD,
        order=50,
    )
)
register(
    Card(
        "coverage_out_of_province",
        _("Coverage out of province"),
        "analytics/cards/coverage.html",
        _coverage("out_of_province"),
        levels=(CITY, COUNTY, BRANCH),
        width=THIRD,
        order=51,
    )
)
register(
    Card(
        "coverage_inflow",
        _("Inflow coverage"),
        "analytics/cards/coverage_inflow.html",
        _coverage("inflow"),
        levels=(CITY, COUNTY),
        width=THIRD,
        order=52,
    )
)
register(
    Card(
        "alerts",
        _("Contact alerts"),
        "analytics/cards/alerts.html",
        _alerts,
        order=60,
        width=THIRD,
    )
)
register(
    Card(
        "co_managed",
        _("Co-managed at our stations"),
        "analytics/cards/co_managed.html",
        _co_managed,
        levels=(COUNTY,),
        applies_to=runs_stations,
        order=70,
    )
)
register(
    Card(
        "coverage_rows",
        _("Coverage against target by organization"),
        "analytics/cards/coverage_rows.html",
        _rows,
        levels=(CITY, COUNTY),
        order=200,
        width=WIDE,
    )
)
register(
    Card(
        "by_province",
        _("Where outflow members are"),
        "analytics/cards/by_province.html",
        _by_province,
        levels=(CITY, COUNTY, BRANCH),
        order=210,
        width=WIDE,
    )
)
register(
    Card(
        "station_list",
        _("Stations and their members"),
        "analytics/cards/station_list.html",
        _station_list,
        levels=(CITY, COUNTY, STATION),
        order=220,
        width=FULL,
    )
)
