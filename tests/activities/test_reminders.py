"""The reminder the day before (through the notifications): to those who signed up and to
the organizer's staff, once; not for other days or a cancelled activity. Time frozen."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from liudong.activities import actions
from liudong.core.scope import SYSTEM
from liudong.notifications.models import Notification
from tests.activities.helpers import NOW, attached_member, planned, staff_of

pytestmark = pytest.mark.django_db


def test_tomorrows_activity_is_reminded_once(clock: Any, demo: Any) -> None:
    user, _member = attached_member(demo)
    other, _m = attached_member(demo)
    tomorrow = planned(5, starts_in=24 * 60, place="活动室，电话13800001111")
    later = planned(5, starts_in=2 * 24 * 60)
    cancelled = planned(5, starts_in=24 * 60 + 60)
    for activity in (tomorrow, later, cancelled):
        actions.sign_up(by=user, activity=activity)
    actions.cancel_activity(by=staff_of(5), activity=cancelled, reason="改期")
    counts = actions.send_reminders(by=SYSTEM)
    assert counts["activities"] == 1 and counts["members"] == 1 and counts["staff"] >= 1
    mine = Notification.objects.get(recipient=user, kind="activity.reminder")
    assert mine.params["title"] == tomorrow.title
    assert "13800001111" not in mine.params["place"]
    assert mine.link.endswith(f"/m/activities/{tomorrow.pk}/")
    assert not Notification.objects.filter(recipient=other, kind="activity.reminder").exists()
    assert Notification.objects.filter(
        recipient=staff_of(5), kind="activity.reminder_staff"
    ).exists()
    again = actions.send_reminders(by=SYSTEM)
    assert again["members"] == 0 and again["staff"] == 0


def test_the_command_reminds_as_of_a_day(clock: Any, demo: Any) -> None:
    user, _member = attached_member(demo)
    activity = planned(5, starts_in=3 * 24 * 60)
    actions.sign_up(by=user, activity=activity)
    out = io.StringIO()
    call_command("remind_activities", today=(NOW.date().replace(day=4)).isoformat(), stdout=out)
    assert "members" in out.getvalue()
    assert Notification.objects.filter(recipient=user, kind="activity.reminder").count() == 1
