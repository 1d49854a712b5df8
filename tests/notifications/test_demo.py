"""The demo's notifications: read and unread for station staff (station05 among them) and
for the demo members; loading again adds nothing."""

from __future__ import annotations

from typing import Any

import pytest

from liudong.demo.notifications import build_notifications
from liudong.notifications import kinds
from liudong.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", ["station05", "member_jc", "member_lt", "member_jn"])
def test_read_and_unread_for_staff_and_members(demo: Any, username: str) -> None:
    rows = Notification.objects.filter(recipient=demo(f"user:{username}"))
    assert rows.filter(read_at__isnull=True).exists(), username
    assert rows.filter(read_at__isnull=False).exists(), username
    for row in rows:
        assert kinds.known(row.kind), row.kind


def test_every_station_staff_is_told_of_its_pending_check_ins(demo: Any) -> None:
    from liudong.stations.models import CheckIn, CheckInStatus

    for number in (5, 6):
        staff = demo(f"user:station{number:02d}")
        pending = CheckIn.objects.filter(
            status=CheckInStatus.PENDING, station__branch=staff.organization
        ).count()
        told = Notification.objects.filter(recipient=staff, kind="checkin.pending").count()
        assert told == pending >= 1


def test_a_second_load_adds_nothing(demo: Any) -> None:
    assert build_notifications() == 0
