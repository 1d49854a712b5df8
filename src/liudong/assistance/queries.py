"""Reads of service requests, through the scope gate, shaped for the pages, API and bell."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Case, F, QuerySet, When
from django.utils import timezone

from liudong.assistance.deadlines import overdue_condition
from liudong.assistance.models import OPEN_STATUSES, RequestStatus, ServiceRequest
from liudong.codes import queries as codes
from liudong.codes import workdays
from liudong.core.scope import CHANGE, restrict, visible_to

# A request's deadline now: a submitted one's accept-by, else its resolve-by.
_DUE = Case(When(status=RequestStatus.SUBMITTED, then=F("accept_by")), default=F("resolve_by"))

RELATED = (
    "member",
    "station__branch",
    "station__organization",
    "flow__home_organization",
    "assigned_to",
    "escalated_to",
)


def _staff(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (getattr(user, "is_superuser", False) or getattr(user, "is_staff_role", False))
    )


def requests(user: Any) -> QuerySet:
    """Every request the user may see (station side, home side, the member's own)."""
    return visible_to(user, ServiceRequest.objects.all()).select_related(*RELATED)


def worked_by(user: Any) -> QuerySet:
    """Requests the user's side works on (the station side)."""
    return restrict(user, requests(user), CHANGE)


def open_by_deadline(user: Any) -> QuerySet:
    """The station side's open requests, the nearest deadline first: a submitted request's
    accept-by, else its resolve-by (escalated and overdue ones come first by date)."""
    from django.db.models import Case, F, When

    return (
        worked_by(user)
        .filter(status__in=OPEN_STATUSES)
        .annotate(
            due=Case(
                When(status=RequestStatus.SUBMITTED, then=F("accept_by")),
                default=F("resolve_by"),
            )
        )
        .order_by("due", "id")
    )


def first_open_by_deadline(user: Any, n: int) -> QuerySet:
    """The first ``n`` of :func:`open_by_deadline` for a card (the station workbench): the
    side's open requests chosen and ordered on the request table alone (the station side
    may change them, so may see them), then only those ``n`` joined to what a row shows."""
    from django.db.models import Subquery

    first = first_open_ids(user, n)
    return (
        ServiceRequest.objects.filter(pk__in=Subquery(first))
        .annotate(due=_DUE)
        .order_by("due", "id")
    )


def first_open_ids(user: Any, n: int) -> QuerySet:
    """The ids of :func:`first_open_by_deadline`'s rows (a ``values_list``; its SQL depends
    on the user's scope and ``n`` only: see :mod:`liudong.core.compiled`)."""
    return (
        restrict(user, ServiceRequest.objects.filter(status__in=OPEN_STATUSES), CHANGE)
        .annotate(due=_DUE)
        .order_by("due", "id")
        .values_list("pk")[:n]
    )


OPEN_COUNTS = ("open", "overdue", "to_accept", "escalated")


def first_open_ids_counted(user: Any, n: int, now: datetime.datetime) -> QuerySet:
    """:func:`first_open_ids` with the side's open requests counted beside each id (a
    window over all of them, before the limit): all, overdue at ``now``, awaiting
    acceptance, escalated (:data:`OPEN_COUNTS`). One statement for the workbench's card."""
    from django.db.models import Count, Q, Window

    counts = {
        "open": Window(Count("pk")),
        "overdue": Window(Count("pk", filter=overdue_condition(now))),
        "to_accept": Window(Count("pk", filter=Q(status=RequestStatus.SUBMITTED))),
        "escalated": Window(Count("pk", filter=Q(escalated=True))),
    }
    return (
        restrict(user, ServiceRequest.objects.filter(status__in=OPEN_STATUSES), CHANGE)
        .annotate(due=_DUE, **{f"n_{key}": counts[key] for key in OPEN_COUNTS})
        .order_by("due", "id")
        .values_list("pk", *(f"n_{key}" for key in OPEN_COUNTS))[:n]
    )


def by_ids_by_deadline(ids: list[int]) -> QuerySet:
    """The requests ``ids`` (chosen through the gate) by deadline, nearest first."""
    return ServiceRequest.objects.filter(pk__in=ids).annotate(due=_DUE).order_by("due", "id")


def mine(user: Any) -> QuerySet:
    """A member's own requests, newest first."""
    if getattr(user, "pk", None) is None:
        return ServiceRequest.objects.none()
    return requests(user).filter(member__user=user.pk).order_by("-submitted_at", "-id")


def to_answer_count(user: Any) -> int:
    """Submitted requests awaiting acceptance by the user's side (the bell)."""
    if not _staff(user):
        return 0
    queryset = ServiceRequest.objects.filter(status=RequestStatus.SUBMITTED)
    return restrict(user, queryset, CHANGE).count()


def escalated_count(user: Any) -> int:
    """Open escalated requests that went to an organization in the user's scope (the bell)."""
    if not _staff(user):
        return 0
    queryset = ServiceRequest.objects.filter(status__in=OPEN_STATUSES, escalated=True)
    return restrict(user, queryset, CHANGE).count()


def overdue(queryset: QuerySet, now: datetime.datetime | None = None) -> QuerySet:
    return queryset.filter(overdue_condition(now or timezone.now()))


def kind_labels() -> dict[str, str]:
    return dict(codes.choices("service_kind"))


def calendar_warning(*moments: datetime.datetime | None) -> list[int]:
    """Years among the deadlines whose holiday calendar is missing (pages warn of them)."""
    return workdays.missing_years(moments)


def staff_of_station(request: ServiceRequest) -> QuerySet:
    """Active staff accounts who work for the request's station, for the assign list."""
    from django.contrib.auth import get_user_model

    station = request.station
    org_ids = [station.organization_id] + ([station.branch_id] if station.branch_id else [])
    return (
        get_user_model()
        .objects.filter(is_active=True, organization_id__in=org_ids)
        .exclude(role="member")
        .order_by("username")
    )


def works_at_a_station(user: Any) -> bool:
    """The user is staff of an open station (may open requests on a member's behalf)."""
    from liudong.stations.models import Station, StationStatus

    if not _staff(user):
        return False
    return restrict(user, Station.objects.filter(status=StationStatus.OPEN), "staff").exists()
