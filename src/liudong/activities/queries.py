"""Reads of activities, sign-ups and attendance, shaped for the pages, the API and the bell.

Staff reads go through the scope gate. The member's own reads do not need it for their own
rows (``owner``: the gate's self scope) but the activities they may join are not theirs:
:func:`open_to_member` is the one deliberate exception, like the stations' directory — an
activity's title, time and place are what its poster on the wall shows anyway, and the
audience rule (:func:`liudong.activities.actions.in_audience`) decides which ones.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from liudong.activities.models import Activity, ActivityStatus, Attendance, Audience, SignUp
from liudong.core.scope import CHANGE, restrict, visible_to
from liudong.members.models import Member

ACTIVITY_RELATED = ("organizer", "organizer__station")


def with_counts(rows: QuerySet) -> QuerySet:
    return rows.annotate(
        signed_up=Count("sign_ups", distinct=True),
        attended=Count("attendance", distinct=True),
    )


def activities_for(user: Any) -> QuerySet:
    """The activities in the user's scope (the organizer's side and above)."""
    return visible_to(user, Activity.objects.select_related(*ACTIVITY_RELATED))


def changeable(user: Any) -> QuerySet:
    return restrict(user, Activity.objects.all(), CHANGE)


def _audience_condition(member: Member) -> Q:
    condition = Q(audience=Audience.OPEN)
    if member.inflow_organization_id:
        condition |= Q(
            audience__in=(Audience.STATION, Audience.BRANCH),
            organizer=member.inflow_organization_id,
        )
    if member.home_organization_id:
        condition |= Q(audience=Audience.BRANCH, organizer=member.home_organization_id)
    return condition


def open_to_member(member: Member) -> QuerySet:
    """Activities the member may join or has joined (see the module's docstring)."""
    mine = Q(sign_ups__member=member) | Q(attendance__member=member)
    return (
        Activity.objects.filter(_audience_condition(member) | mine)
        .select_related(*ACTIVITY_RELATED)
        .distinct()
    )


def coming_for_member(member: Member, limit: int = 30) -> list[Activity]:
    """Planned activities not yet over that the member may join, soonest first, each with
    ``signed_up`` (count), ``mine`` (signed up) and ``present`` (attendance recorded)."""
    rows = list(
        with_counts(
            open_to_member(member).filter(status=ActivityStatus.PLANNED, ends_at__gt=timezone.now())
        ).order_by("starts_at", "id")[:limit]
    )
    mark_own(member, rows)
    return rows


def past_for_member(member: Member, limit: int = 20) -> list[Activity]:
    """Activities the member attended, latest first."""
    rows = list(
        Activity.objects.filter(attendance__member=member)
        .select_related(*ACTIVITY_RELATED)
        .order_by("-starts_at", "-id")[:limit]
    )
    mark_own(member, rows)
    return rows


def mark_own(member: Member, rows: list[Activity]) -> None:
    ids = [row.pk for row in rows]
    signed = set(
        SignUp.objects.filter(member=member, activity__in=ids).values_list("activity", flat=True)
    )
    present = dict(
        Attendance.objects.filter(member=member, activity__in=ids).values_list(
            "activity", "volunteer_hours"
        )
    )
    for row in rows:
        row.mine = row.pk in signed
        row.present = row.pk in present
        row.hours = present.get(row.pk)


def for_member(member: Member, pk: int) -> Activity | None:
    row = with_counts(open_to_member(member).filter(pk=pk)).first()
    if row is not None:
        mark_own(member, [row])
    return row


def activity_by_token(token: str) -> Activity | None:
    """The activity a QR link names (any status: the page says when it is cancelled)."""
    token = (token or "").strip()
    if not token or len(token) > 32:
        return None
    return Activity.objects.select_related(*ACTIVITY_RELATED).filter(qr_token=token).first()


def sign_ups_of(user: Any, activity: Activity) -> QuerySet:
    return visible_to(user, SignUp.objects.filter(activity=activity)).select_related("member")


def attendance_of(user: Any, activity: Activity) -> QuerySet:
    return visible_to(user, Attendance.objects.filter(activity=activity)).select_related(
        "member", "recorded_by"
    )


def mark_candidates(user: Any, activity: Activity) -> list[Member]:
    """Members staff may mark present: those who signed up and those the activity is for
    (attached to the station, or the branch's), without attendance yet."""
    present = Attendance.objects.filter(activity=activity).values("member")
    condition = Q(activity_sign_ups__activity=activity)
    if activity.audience == Audience.STATION:
        condition |= Q(inflow_organization=activity.organizer_id)
    elif activity.audience == Audience.BRANCH:
        condition |= Q(inflow_organization=activity.organizer_id) | Q(
            home_organization=activity.organizer_id
        )
    rows = Member.objects.filter(condition).exclude(pk__in=present).distinct()
    return list(rows.order_by("name", "id")[:300])


def participation(user: Any, member: Member) -> QuerySet:
    """A member's attendance the user may see (the home side too: the yearly appraisal)."""
    return (
        visible_to(user, Attendance.objects.filter(member=member))
        .select_related("activity__organizer")
        .order_by("-activity__starts_at", "-id")
    )


def summary_awaited(now: datetime.datetime) -> Q:
    """Activities over at ``now``, still planned: their summary awaits the organizer's staff."""
    return Q(status=ActivityStatus.PLANNED, ends_at__lte=now)


def awaiting_summary(user: Any) -> QuerySet:
    return changeable(user).filter(summary_awaited(timezone.now()))


def awaiting_summary_count(user: Any) -> int:
    if not (getattr(user, "is_superuser", False) or getattr(user, "is_staff_role", False)):
        return 0
    return awaiting_summary(user).count()
