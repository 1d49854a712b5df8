"""The alerts page: a county's (or any staff user's) open alerts by township and branch,
their escalation, and the records offered the suspension (issue 12 item 7)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from liudong.core.decorators import opens_for
from liudong.core.paging import paginate
from liudong.members import alert_board, escalation, work
from liudong.members.models import AlertKind

PAGE_SIZE = 25


@login_required
@opens_for(work.is_staff)
def alerts(request: HttpRequest) -> HttpResponse:
    """Open alerts in scope: by township and branch (for a county; the level below the
    viewer's organization in general), then each alert; filterable by kind,
    escalation state and organization (``?kind=``, ``?state=``, ``?org=``)."""
    user = request.user
    flt = alert_board.read_filters(user, request.GET)
    rows = alert_board.open_alerts(user, flt)
    page = paginate(request, alert_board.listed(rows), PAGE_SIZE)
    offers = alert_board.suspension_offers(user)
    mine = alert_board.escalated_to_me(user).select_related(
        "flow__member", "flow__destination_place__parent", "organization", "escalated_to"
    )
    context: dict[str, Any] = {
        "flt": flt,
        "kinds": AlertKind.choices,
        "states": list(alert_board.STATES.items()),
        "groups": alert_board.breakdown(rows, getattr(user, "organization_id", None)),
        "total": page["page"].paginator.count,
        "escalated_to_me": mine.order_by("escalated_at", "id")[:50],
        "escalated_count": mine.count(),
        "offers": offers[:50],
        "offers_count": offers.count(),
        "escalate_days": escalation.escalate_days(),
        "suspension_rule": escalation.SUSPENSION_RULE,
        "suspension_source": escalation.SUSPENSION_RULE_SOURCE,
        "suspension_offer": escalation.SUSPENSION_OFFER,
        **page,
    }
    return render(request, "members/alerts.html", context)
