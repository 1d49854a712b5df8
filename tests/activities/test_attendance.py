"""Attendance by the activity's QR link within its window (30 minutes before the start to
the end), exactly once per member (a database constraint), or marked by staff; volunteer
hours. The time is frozen."""

from __future__ import annotations

import decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from liudong.activities import actions
from liudong.activities.models import ActivityKind, Attendance, AttendanceMethod
from liudong.core.errors import DomainError, ScopeError
from liudong.core.models import AuditEvent
from tests.activities.helpers import at, attached_member, planned, staff_of

pytestmark = pytest.mark.django_db

START = 120  # the activity starts two hours after NOW and lasts two hours


def _scan_refused(code: str, user: Any, activity: Any) -> None:
    before = Attendance.objects.count()
    with pytest.raises(DomainError) as refused:
        actions.record_by_scan(by=user, activity=activity)
    assert refused.value.code == code
    assert Attendance.objects.count() == before


@pytest.mark.parametrize(
    ("minute", "code"),
    [
        (START - 31, "too_early"),
        (START - 30, None),
        (START, None),
        (START + 120, None),
        (START + 121, "too_late"),
        (START + 60 * 24, "too_late"),
    ],
)
def test_the_window_runs_from_30_minutes_before_to_the_end(
    clock: Any, demo: Any, minute: int, code: str | None
) -> None:
    user, member = attached_member(demo)
    activity = planned(5, starts_in=START)
    clock(at(minute))
    if code is None:
        row = actions.record_by_scan(by=user, activity=activity)
        assert (row.member, row.method) == (member, AttendanceMethod.SCANNED)
    else:
        _scan_refused(code, user, activity)


def test_a_second_scan_is_refused_and_writes_nothing(clock: Any, demo: Any) -> None:
    user, _member = attached_member(demo)
    activity = planned(5, starts_in=START)
    clock(at(START + 5))
    actions.record_by_scan(by=user, activity=activity)
    events = AuditEvent.objects.filter(verb="activity.attend").count()
    _scan_refused("already_attended", user, activity)
    assert AuditEvent.objects.filter(verb="activity.attend").count() == events


def test_the_database_keeps_one_attendance_per_member(clock: Any, demo: Any) -> None:
    _user, member = attached_member(demo)
    activity = planned(5, starts_in=START)
    Attendance.objects.create(activity=activity, member=member, method="scanned")
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(activity=activity, member=member, method="marked")


def test_staff_marking_after_a_scan_is_refused(clock: Any, demo: Any) -> None:
    user, member = attached_member(demo)
    activity = planned(5, starts_in=START)
    clock(at(START))
    actions.record_by_scan(by=user, activity=activity)
    with pytest.raises(DomainError) as refused:
        actions.mark_attendance(by=staff_of(5), activity=activity, member=member)
    assert refused.value.code == "already_attended"


def test_scanning_a_cancelled_activity_or_outside_its_audience_is_refused(
    clock: Any, demo: Any
) -> None:
    user, _member = attached_member(demo)
    stranger, _m = attached_member(demo, 6, county="620822")
    activity = planned(5, starts_in=START)
    clock(at(START))
    _scan_refused("outside_audience", stranger, activity)
    clock(at(0))
    actions.cancel_activity(by=staff_of(5), activity=activity, reason="停电")
    clock(at(START))
    _scan_refused("cancelled", user, activity)


def test_staff_mark_attendance_after_the_end_too(clock: Any, demo: Any) -> None:
    _user, member = attached_member(demo)
    activity = planned(5, starts_in=START)
    with pytest.raises(DomainError) as refused:
        actions.mark_attendance(by=staff_of(5), activity=activity, member=member)
    assert refused.value.code == "too_early"
    clock(at(START + 300))
    row = actions.mark_attendance(by=staff_of(5), activity=activity, member=member)
    assert (row.method, row.recorded_by) == (AttendanceMethod.MARKED, staff_of(5))


def test_staff_of_another_station_cannot_mark(clock: Any, demo: Any) -> None:
    _user, member = attached_member(demo)
    activity = planned(5, starts_in=START)
    clock(at(START))
    with pytest.raises(ScopeError):
        actions.mark_attendance(by=staff_of(6), activity=activity, member=member)
    assert not Attendance.objects.filter(activity=activity).exists()


def test_staff_cannot_mark_a_member_they_do_not_see(clock: Any, demo: Any) -> None:
    _user, stranger = attached_member(demo, 6, county="620822")
    activity = planned(5, starts_in=START)
    clock(at(START))
    with pytest.raises(ScopeError):
        actions.mark_attendance(by=staff_of(5), activity=activity, member=stranger)


def test_volunteer_hours_on_volunteer_service_only(clock: Any, demo: Any) -> None:
    _user, member = attached_member(demo)
    _user2, other = attached_member(demo)
    service = planned(5, starts_in=START, kind=ActivityKind.VOLUNTEER_SERVICE)
    study = planned(5, starts_in=START)
    clock(at(START + 130))
    row = actions.mark_attendance(
        by=staff_of(5), activity=service, member=member, volunteer_hours="2.5"
    )
    assert row.volunteer_hours == decimal.Decimal("2.5")
    with pytest.raises(DomainError) as refused:
        actions.mark_attendance(by=staff_of(5), activity=study, member=other, volunteer_hours=1)
    assert refused.value.code == "not_volunteer_service"
    for bad in ("-1", "25", "abc", "NaN"):
        with pytest.raises(DomainError) as refused:
            actions.set_volunteer_hours(by=staff_of(5), attendance=row, hours=bad)
        assert refused.value.code == "invalid_hours"
    changed = actions.set_volunteer_hours(by=staff_of(5), attendance=row, hours="3")
    assert changed.volunteer_hours == decimal.Decimal("3.0")
    assert AuditEvent.objects.filter(verb="activity.volunteer_hours").exists()
    with pytest.raises(ScopeError):
        actions.set_volunteer_hours(by=staff_of(6), attendance=row, hours="4")
