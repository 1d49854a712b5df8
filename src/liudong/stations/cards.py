"""The stations' card on the dashboards: check-ins awaiting confirmation and confirmed."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from liudong.core.cards import Card, CardContext, register
from liudong.core.scope import visible_to
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
