"""Who hears of a request's steps (``liudong.notifications``): the staff member it is
assigned to, the staff of the station and of the organization it escalates to when it is
overdue, the member when it is resolved. Parameters are the station's and organization's
names and the deadlines: nothing of the request's text."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from liudong.assistance.models import ServiceRequest
from liudong.notifications.actions import notify
from liudong.notifications.recipients import staff_of


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def assigned(request: ServiceRequest, *, by: Any) -> int:
    """The staff member the request was given to (not when they took it themselves)."""
    if request.assigned_to_id is None or request.assigned_to_id == getattr(by, "pk", None):
        return 0
    return notify(
        [request.assigned_to_id],
        "request.assigned",
        params={
            "station": request.station.name,
            "accept_by": _when(request.accept_by),
            "resolve_by": _when(request.resolve_by),
        },
        link=reverse("assistance:detail", args=[request.pk]),
        source=request,
        by=by,
    )


def overdue(request: ServiceRequest, *, by: Any) -> int:
    """The station's staff and those of the organization the request escalated to."""
    station = request.station
    return notify(
        staff_of(station.branch_id, request.escalated_to_id or station.organization_id),
        "request.overdue",
        params={"station": station.name, "organization": str(request.escalated_to or "")},
        link=reverse("assistance:detail", args=[request.pk]),
        source=request,
        by=by,
    )


def resolved(request: ServiceRequest, *, by: Any) -> int:
    """The member, on their phone (a member without an account is told by the station)."""
    user_id = request.member.user_id
    if user_id is None:
        return 0
    return notify(
        [user_id],
        "request.resolved",
        params={"station": request.station.name},
        link=reverse("assistance_m:detail", args=[request.pk]),
        source=request,
        by=by,
    )
