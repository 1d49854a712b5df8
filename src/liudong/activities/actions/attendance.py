"""Attendance: the member scans the activity's QR link within its time window, or the
organizer's staff mark it; volunteer hours are recorded on the attendance."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from liudong.activities.actions.planning import locked, require_organizer_side
from liudong.activities.actions.signup import in_audience, member_of, require_audience
from liudong.activities.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Attendance,
    AttendanceMethod,
    Audience,
)
from liudong.core import audit
from liudong.core.errors import DomainError, ScopeError
from liudong.core.scope import user_of, visible_to
from liudong.members.models import Member

MAX_HOURS = decimal.Decimal(24)
# A scan kept on a phone without network is still taken this long after the activity's end
# when the phone made it within the window (decision 134).
OFFLINE_GRACE = datetime.timedelta(hours=6)


def _local(moment: Any) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def _hours(value: Any, activity: Activity) -> decimal.Decimal | None:
    if value in (None, ""):
        return None
    if activity.kind != ActivityKind.VOLUNTEER_SERVICE:
        raise DomainError(
            "not_volunteer_service",
            _("Volunteer hours are recorded for volunteer service only."),
            "volunteer_hours",
        )
    try:
        hours = decimal.Decimal(str(value))
    except (decimal.InvalidOperation, ValueError):
        hours = None
    if hours is None or not hours.is_finite() or not (0 <= hours <= MAX_HOURS):
        raise DomainError(
            "invalid_hours",
            _("Volunteer hours: a number from 0 to 24, one decimal place."),
            "volunteer_hours",
        )
    return hours.quantize(decimal.Decimal("0.1"), rounding=decimal.ROUND_HALF_UP)


def _create(activity: Activity, member: Member, verb: str, by: Any, **values: Any) -> Attendance:
    try:
        with transaction.atomic(), audit.action(verb, actor=by):
            return Attendance.objects.create(activity=activity, member=member, **values)
    except IntegrityError:  # a concurrent second scan: the database keeps one
        raise DomainError(
            "already_attended", _("Attendance is already recorded for this member."), None
        ) from None


def _sent_before(member: Member, key: uuid.UUID | None) -> Attendance | None:
    """The member's attendance made with ``key`` (marked ``replayed``), if any."""
    if key is None:
        return None
    earlier = Attendance.objects.filter(member=member, idempotency_key=key).first()
    if earlier is not None:
        earlier.replayed = True  # type: ignore[attr-defined]
    return earlier


def _kept_in_window(activity: Activity, made_at: Any, now: Any) -> bool:
    """A scan kept on a phone without network (decision 134): made within the window by
    the phone's clock, and sent at most :data:`OFFLINE_GRACE` after the end."""
    if made_at is None or now - activity.ends_at > OFFLINE_GRACE:
        return False
    return activity.check_in_opens_at <= made_at <= min(activity.ends_at, now)


@transaction.atomic
def record_by_scan(
    *,
    by: Any,
    activity: Activity,
    idempotency_key: uuid.UUID | None = None,
    made_at: datetime.datetime | None = None,
) -> Attendance:
    """The member scanned the activity's QR link: attendance, once, within the window
    (from 30 minutes before the start to the end). ``idempotency_key`` (made by the phone,
    decision 133): the attendance made with the same key is the answer, nothing written.
    ``made_at``: when a phone that kept the scan without network says it was made."""
    member = member_of(by)
    earlier = _sent_before(member, idempotency_key)
    if earlier is not None:
        return earlier
    activity = locked(activity)
    earlier = _sent_before(member, idempotency_key)  # again under the lock: a race's
    if earlier is not None:
        return earlier
    if activity.status == ActivityStatus.CANCELLED:
        raise DomainError("cancelled", _("The activity was cancelled."), None)
    now = timezone.now()
    if now < activity.check_in_opens_at:
        raise DomainError(
            "too_early",
            _("Attendance opens at %(time)s, 30 minutes before the start.")
            % {"time": _local(activity.check_in_opens_at)},
            None,
        )
    if now > activity.ends_at and not _kept_in_window(activity, made_at, now):
        raise DomainError(
            "too_late",
            _("The activity ended at %(time)s: ask its staff to record your attendance.")
            % {"time": _local(activity.ends_at)},
            None,
        )
    require_audience(activity, member)
    if Attendance.objects.filter(activity=activity, member=member).exists():
        raise DomainError("already_attended", _("Your attendance is already recorded."), None)
    return _create(
        activity,
        member,
        "activity.attend",
        by,
        method=AttendanceMethod.SCANNED,
        recorded_by=user_of(by),
        idempotency_key=idempotency_key,
    )


def may_mark(by: Any, activity: Activity, member: Member) -> bool:
    """Staff mark the members they see, those who signed up, and those the activity is for
    (an open activity's audience does not count: it would reach every member)."""
    if activity.sign_ups.filter(member=member).exists():
        return True
    if activity.audience != Audience.OPEN and in_audience(activity, member):
        return True
    return visible_to(by, Member.objects.filter(pk=member.pk)).exists()


@transaction.atomic
def mark_attendance(
    *, by: Any, activity: Activity, member: Member, volunteer_hours: Any = None
) -> Attendance:
    """The organizer's staff record a member present (a paper list, a phone without
    signal): from the window's opening on, never for a cancelled activity."""
    activity = locked(activity)
    require_organizer_side(by, activity)
    if activity.status == ActivityStatus.CANCELLED:
        raise DomainError("cancelled", _("The activity was cancelled."), None)
    if timezone.now() < activity.check_in_opens_at:
        raise DomainError(
            "too_early",
            _("Attendance opens at %(time)s, 30 minutes before the start.")
            % {"time": _local(activity.check_in_opens_at)},
            None,
        )
    if not may_mark(by, activity, member):
        raise ScopeError(
            "member_not_found", _("Not found, or not within your organization's scope."), "member"
        )
    hours = _hours(volunteer_hours, activity)
    if Attendance.objects.filter(activity=activity, member=member).exists():
        raise DomainError(
            "already_attended", _("Attendance is already recorded for this member."), "member"
        )
    return _create(
        activity,
        member,
        "activity.mark_attendance",
        by,
        method=AttendanceMethod.MARKED,
        volunteer_hours=hours,
        recorded_by=user_of(by),
    )


@transaction.atomic
def set_volunteer_hours(*, by: Any, attendance: Attendance, hours: Any) -> Attendance:
    """Record (or correct) a volunteer's hours, after the activity has started."""
    attendance = (
        Attendance.objects.select_for_update(of=("self",))
        .select_related("activity__organizer")
        .get(pk=attendance.pk)
    )
    require_organizer_side(by, attendance.activity)
    value = _hours(hours, attendance.activity)
    if value is None:
        raise DomainError("hours_required", _("Give the hours."), "volunteer_hours")
    if value == attendance.volunteer_hours:
        return attendance
    with audit.action("activity.volunteer_hours", actor=by):
        attendance.volunteer_hours = value
        attendance.save(update_fields=["volunteer_hours"])
    return attendance
