"""Service requests in the monthly report (issue 13 item 6), per station and organization.

In the month (local time): requests **received** (submitted), by kind; requests
**resolved** and **refused** (closed in the month); the **median time to accept** (the
requests accepted in the month) and **to resolve** (resolved in the month), in working days
counted as the deadlines count them (:func:`liudong.codes.workdays.working_days_between`:
the working days after the submission's day up to the day it happened, so a request
accepted within its deadline of 2 counts at most 2); the share **resolved on time**
(resolved in the month by its resolve-by, of those resolved in the month); the
**satisfaction** of the ratings given in the month (their mean, 1–5, and their count). A
request belongs to the station it was made at, and to the organizations above that station
(the one running it, its branch); it is read through the gate.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from liudong.assistance.models import REQUEST_KINDS, RequestStatus, ServiceRequest
from liudong.codes import queries as codes
from liudong.codes.workdays import working_days_between
from liudong.core.report_parts import (
    NUMBER,
    RATE,
    Column,
    ReportPart,
    Unit,
    median,
    register,
    share,
)
from liudong.core.scope import visible_to

FIELDS = (
    "station_id",
    "station__organization__path",
    "station__branch__path",
    "kind",
    "status",
    "submitted_at",
    "accepted_at",
    "resolved_at",
    "refused_at",
    "rated_at",
    "rating",
    "resolve_by",
)


def columns() -> list[Column]:
    labels = dict(codes.choices("service_kind"))
    return [
        Column("received", _("Requests received")),
        *[Column(f"kind_{kind}", labels.get(kind, kind)) for kind in REQUEST_KINDS],
        Column("resolved", pgettext("service request", "Resolved")),
        Column("refused", pgettext("service request", "Refused")),
        Column("median_accept_days", _("Median working days to accept"), NUMBER),
        Column("median_resolve_days", _("Median working days to resolve"), NUMBER),
        Column("on_time", _("Resolved on time (%)"), RATE),
        Column("rating_mean", _("Satisfaction (mean, 1–5)"), NUMBER),
        Column("rating_count", _("Ratings")),
    ]


def _in(moment: datetime.datetime | None, start: datetime.datetime, end: datetime.datetime):
    return moment is not None and start <= moment < end


def month_rows(user: Any, start: datetime.datetime, end: datetime.datetime) -> list[tuple]:
    """The requests with anything of the month, through the gate (FIELDS' values)."""
    touched = Q()
    for name in ("submitted_at", "accepted_at", "resolved_at", "refused_at", "rated_at"):
        touched |= Q(**{f"{name}__gte": start, f"{name}__lt": end})
    return list(visible_to(user, ServiceRequest.objects.filter(touched)).values_list(*FIELDS))


def figures_of(rows: list[tuple], start: datetime.datetime, end: datetime.datetime) -> dict:
    """The part's values over ``rows`` (FIELDS' values) for the month [start, end)."""
    values: dict[str, Any] = {"received": 0, "resolved": 0, "refused": 0, "rating_count": 0}
    for kind in REQUEST_KINDS:
        values[f"kind_{kind}"] = 0
    accept_days, resolve_days, ratings = [], [], []
    on_time = 0
    for row in rows:
        (_s, _o, _b, kind, status, submitted, accepted, resolved, refused, rated, rating,
         resolve_by) = row  # fmt: skip
        if _in(submitted, start, end):
            values["received"] += 1
            key = f"kind_{kind}"
            values[key] = values.get(key, 0) + 1
        if _in(accepted, start, end):
            accept_days.append(working_days_between(submitted, accepted))
        if status == RequestStatus.RESOLVED and _in(resolved, start, end):
            values["resolved"] += 1
            resolve_days.append(working_days_between(submitted, resolved))
            on_time += resolved <= resolve_by
        if status == RequestStatus.REFUSED and _in(refused, start, end):
            values["refused"] += 1
        if rating is not None and _in(rated, start, end):
            ratings.append(rating)
    values["median_accept_days"] = median(accept_days)
    values["median_resolve_days"] = median(resolve_days)
    values["on_time"] = share(on_time, values["resolved"])
    values["rating_mean"] = round(sum(ratings) / len(ratings), 2) if ratings else None
    values["rating_count"] = len(ratings)
    return values


def figures(
    user: Any, units: list[Unit], start: datetime.datetime, end: datetime.datetime
) -> dict[str, dict[str, Any]]:
    rows = month_rows(user, start, end)
    return {
        unit.key: figures_of(
            [r for r in rows if unit.holds_station(r[0], (r[1], r[2]))], start, end
        )
        for unit in units
    }


register(
    ReportPart(
        "service_requests",
        gettext_lazy("Service requests"),
        columns,
        figures,
        note=gettext_lazy(
            "In the month: requests received, by kind; resolved and refused (closed in the "
            "month); median working days from submission to acceptance and to resolution, "
            "counted as the deadlines count them; the share of the month's resolutions made "
            "by their deadline; the mean of the month's ratings (1–5) and their number."
        ),
        order=10,
    )
)
