"""Service requests on the station workbench (its slot 30): the side's open requests, the
nearest deadline first (overdue ones come first: their deadline has passed), with the
counts the page links to; and the dashboards' service-request cards (see
:mod:`liudong.assistance.report_figures` for the month's figures)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liudong.assistance import queries, report_figures
from liudong.assistance.deadlines import overdue_condition
from liudong.assistance.models import OPEN_STATUSES, RequestStatus, ServiceRequest
from liudong.core import compiled
from liudong.core.cards import (
    CITY,
    COUNTY,
    STATION,
    STATION_HOME,
    WIDE,
    Card,
    CardContext,
    register,
)
from liudong.core.report_parts import Unit, this_month
from liudong.core.roles import Role
from liudong.core.scope import gate_key, visible_to

WORKBENCH_ROWS = 8
SHOWN = (
    "kind",
    "status",
    "escalated",
    "rating",
    "accept_by",
    "resolve_by",
    "member__name",
    "station__name",
    "escalated_to__name",
)


def by_deadline(ctx: CardContext) -> dict[str, Any]:
    """The workbench's card: the first open requests by deadline, each with its deadline's
    name (accept by / resolve by) and state (overdue, due today, coming), and the counts."""
    now = timezone.now()
    today = timezone.localdate()
    # What the card shows, no more (the member's encrypted columns are not read).
    # The first ids through the gate, compiled once per scope (decision 162), then the
    # rows shown by their ids (the same rows as queries.first_open_by_deadline).
    # The side's counts come with them, over all its open requests (decision 193).
    user = ctx.user
    found = compiled.rows(
        ("assistance.workbench_first", gate_key(user), WORKBENCH_ROWS),
        lambda: queries.first_open_ids_counted(user, WORKBENCH_ROWS, compiled.clock()),
        now=now,
    )
    ids = [row[0] for row in found]
    counts = dict(zip(queries.OPEN_COUNTS, found[0][1:] if found else (0, 0, 0, 0), strict=True))
    rows = []
    if ids:
        rows = list(
            queries.by_ids_by_deadline(ids)
            .select_related("member", "station", "escalated_to")
            .only(*SHOWN)
        )
    labels = queries.kind_labels()
    for row in rows:
        row.kind_name = labels.get(row.kind, row.kind)
        row.due_is_accept = row.status == RequestStatus.SUBMITTED
        row.due_state = (
            "overdue"
            if row.due < now
            else "today"
            if timezone.localtime(row.due).date() == today
            else "coming"
        )
    return {
        "rows": rows,
        **counts,
        "missing_years": queries.calendar_warning(*[r.due for r in rows]),
    }


register(
    Card(
        "workbench_requests",
        _("Open service requests, nearest deadline first"),
        "assistance/workbench_requests.html",
        by_deadline,
        levels=(STATION_HOME,),
        roles=(Role.STATION_STAFF, Role.COUNTY_ADMIN),
        order=30,
        width=WIDE,
    )
)


# --- the dashboards (city, county, station) ------------------------------------------------


def dashboard_figures(user: Any, organization: Any) -> dict[str, Any]:
    """Open and overdue requests at the stations in ``organization``'s subtree, and this
    month's share resolved on time and satisfaction (the monthly report's figures)."""
    now = timezone.now()
    path = organization.path
    under = Q(station__organization__path__startswith=path) | Q(
        station__branch__path__startswith=path
    )
    rows = visible_to(user, ServiceRequest.objects.filter(status__in=OPEN_STATUSES)).filter(under)
    counts = rows.aggregate(open=Count("pk"), overdue=Count("pk", filter=overdue_condition(now)))
    start, end = this_month()
    whole = Unit(organization.code, "", path=path)
    month = report_figures.figures(user, [whole], start, end)[whole.key]
    return {
        "open": counts["open"] or 0,
        "overdue": counts["overdue"] or 0,
        "on_time": month["on_time"],
        "resolved": month["resolved"],
        "rating_mean": month["rating_mean"],
        "rating_count": month["rating_count"],
    }


def _dashboard(ctx: CardContext) -> dict[str, Any] | None:
    if ctx.organization is None:
        return None
    return dashboard_figures(ctx.user, ctx.organization)


register(
    Card(
        "service_requests",
        _("Service requests"),
        "assistance/card_requests.html",
        _dashboard,
        levels=(CITY, COUNTY, STATION),
        order=46,
    )
)
