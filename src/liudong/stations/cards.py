"""The stations' card on the dashboards: check-ins awaiting confirmation and confirmed."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet, Window
from django.utils.translation import gettext_lazy as _

from liudong.core import compiled
from liudong.core.cards import STATION_HOME, WIDE, Card, CardContext, register
from liudong.core.roles import Role
from liudong.core.scope import gate_key, visible_to
from liudong.stations import queries
from liudong.stations.models import CheckIn, CheckInStatus


def check_in_figures(user: Any, organization: Any) -> dict[str, int]:
    """Check-ins in the viewer's scope that concern ``organization``'s subtree.

    A check-in concerns an organization when the station is run by it or below it (its
    branch included), or when the member's home organization lies in its subtree.
    """
    path = organization.path
    rows = visible_to(user, CheckIn.objects.all()).filter(
        Q(station__organization__path__startswith=path)
        | Q(station__branch__path__startswith=path)
        | Q(flow__home_organization__path__startswith=path)
    )
    counts = rows.aggregate(
        pending=Count("pk", filter=Q(status=CheckInStatus.PENDING)),
        confirmed=Count("pk", filter=Q(status=CheckInStatus.CONFIRMED)),
        refused=Count("pk", filter=Q(status=CheckInStatus.REFUSED)),
    )
    return {key: value or 0 for key, value in counts.items()}


def _check_ins(ctx: CardContext) -> dict[str, int] | None:
    if ctx.organization is None:
        return None
    return check_in_figures(ctx.user, ctx.organization)


register(
    Card(
        "check_ins",
        _("Check-ins"),
        "stations/card_check_ins.html",
        _check_ins,
        order=45,
    )
)


# --- the station workbench -----------------------------------------------------------------

WORKBENCH_ROWS = 8


def _to_answer(ctx: CardContext) -> dict[str, Any]:
    """The check-ins awaiting this station's answer, oldest first: the first ids and the
    count in one gated statement compiled once per scope (decision 162), then the rows
    shown by their ids (no statement when there are none)."""
    user = ctx.user

    def build() -> QuerySet:
        pending = queries.pending_for_station_side(user).select_related(None)
        first = pending.annotate(total=Window(Count("pk"))).values_list("pk", "total")
        return first[:WORKBENCH_ROWS]

    found = compiled.rows(("stations.workbench_check_ins", gate_key(user)), build)
    ids = [pk for pk, _total in found]
    shown = CheckIn.objects.select_related("member", "station").in_bulk(ids)
    return {"rows": [shown[pk] for pk in ids if pk in shown], "count": found[0][1] if found else 0}


register(
    Card(
        "workbench_check_ins",
        _("Check-ins awaiting your confirmation"),
        "stations/workbench_check_ins.html",
        _to_answer,
        levels=(STATION_HOME,),
        roles=(Role.STATION_STAFF,),
        order=10,
        width=WIDE,
    )
)
