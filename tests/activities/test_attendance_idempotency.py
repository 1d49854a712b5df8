"""Attendance kept on a phone without network is sent once (decision 133): the same
idempotency key again answers with the first attendance and writes nothing, on the page and
the API; a different key is refused as a second attendance; a scan the phone made within
the window is still taken a few hours after the end (decision 134)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from liudong.activities import actions
from liudong.activities.actions.attendance import OFFLINE_GRACE
from liudong.activities.models import Attendance
from liudong.core.errors import DomainError
from liudong.core.models import AuditEvent
from tests.activities.helpers import at, attached_member, planned


def _counts() -> tuple[int, int]:
    return (
        Attendance.objects.count(),
        AuditEvent.objects.filter(verb="activity.attend").count(),
    )


def test_the_same_key_twice_makes_one_attendance(clock: Any, demo: Any) -> None:
    user, member = attached_member(demo)
    activity = planned(starts_in=10)
    key = uuid.uuid4()
    first = actions.record_by_scan(by=user, activity=activity, idempotency_key=key)
    counts = _counts()
    again = actions.record_by_scan(by=user, activity=activity, idempotency_key=key)
    assert (again.pk, again.replayed) == (first.pk, True)
    assert _counts() == counts


def test_the_same_key_answers_after_the_window_closed(clock: Any, demo: Any) -> None:
    user, _member = attached_member(demo)
    activity = planned(starts_in=10)
    key = uuid.uuid4()
    first = actions.record_by_scan(by=user, activity=activity, idempotency_key=key)
    clock(at(10 + 120, days=1))  # the next day: far outside the window
    again = actions.record_by_scan(by=user, activity=activity, idempotency_key=key)
    assert again.pk == first.pk


def test_a_different_key_is_refused_as_a_second_attendance(clock: Any, demo: Any) -> None:
    user, _member = attached_member(demo)
    activity = planned(starts_in=10)
    actions.record_by_scan(by=user, activity=activity, idempotency_key=uuid.uuid4())
    counts = _counts()
    with pytest.raises(DomainError) as refused:
        actions.record_by_scan(by=user, activity=activity, idempotency_key=uuid.uuid4())
    assert refused.value.code == "already_attended"
    assert _counts() == counts


def test_the_database_keeps_one_attendance_per_member_and_key(clock: Any, demo: Any) -> None:
    user, member = attached_member(demo)
    key = uuid.uuid4()
    Attendance.objects.create(
        activity=planned(starts_in=10), member=member, method="scanned", idempotency_key=key
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(
            activity=planned(starts_in=30), member=member, method="scanned", idempotency_key=key
        )


def test_a_scan_kept_offline_is_taken_after_the_end_within_the_grace(clock: Any, demo: Any) -> None:
    user, _member = attached_member(demo)
    activity = planned(starts_in=10)  # 09:10–11:10; the window opens at 08:40
    made = at(30)  # scanned at 09:30 on the phone, without network
    clock(activity.ends_at + datetime.timedelta(hours=2))  # sent once online, at 13:10
    row = actions.record_by_scan(by=user, activity=activity, made_at=made)
    assert row.method == "scanned"


@pytest.mark.parametrize(
    ("made_minutes", "sent_after_end"),
    [
        (-60, datetime.timedelta(hours=1)),  # made before the window opened
        (30, OFFLINE_GRACE + datetime.timedelta(minutes=1)),  # sent too long after
        (None, datetime.timedelta(minutes=1)),  # no time from the phone
    ],
)
def test_a_kept_scan_outside_the_rules_is_refused_as_late(
    clock: Any, demo: Any, made_minutes: int | None, sent_after_end: datetime.timedelta
) -> None:
    user, _member = attached_member(demo)
    activity = planned(starts_in=10)
    made = at(made_minutes) if made_minutes is not None else None
    clock(activity.ends_at + sent_after_end)
    with pytest.raises(DomainError) as refused:
        actions.record_by_scan(by=user, activity=activity, made_at=made)
    assert refused.value.code == "too_late"


def test_the_qr_page_honours_the_key(clock: Any, demo: Any) -> None:
    user, _member = attached_member(demo)
    activity = planned(starts_in=10)
    phone = Client()
    phone.force_login(user)
    url = reverse("activity_member:scan", args=[activity.qr_token])
    key = str(uuid.uuid4())
    first = phone.post(url, {"idempotency_key": key, "made_at": ""})
    assert first.status_code == 200 and 'id="recorded"' in first.content.decode()
    counts = _counts()
    again = phone.post(url, {"idempotency_key": key})
    assert again.status_code == 200 and 'id="recorded"' in again.content.decode()
    assert _counts() == counts
    other = phone.post(url, {"idempotency_key": str(uuid.uuid4())})
    assert other.status_code == 400
    assert _counts() == counts


def test_the_api_honours_the_key_header(clock: Any, demo: Any) -> None:
    user, _member = attached_member(demo)
    activity = planned(starts_in=10)
    api = Client()
    api.force_login(user)
    body = {"qr_token": activity.qr_token}
    key = str(uuid.uuid4())
    url = "/api/v1/activities/attend/"
    first = api.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.content
    again = api.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    other = api.post(
        url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    assert other.status_code == 400 and other.json()["code"] == "already_attended"
    assert Attendance.objects.filter(activity=activity).count() == 1
