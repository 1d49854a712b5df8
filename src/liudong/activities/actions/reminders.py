"""The reminder the day before: the members who signed up for an activity starting tomorrow
(Beijing time) and the organizer's staff are notified once (the notifications' source is
the activity, so a second run the same day adds nothing)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from liudong.activities.models import Activity, ActivityStatus
from liudong.core import masking
from liudong.core.scope import require_actor
from liudong.notifications import actions as notifications
from liudong.notifications.recipients import staff_of


def _text(value: str) -> str:
    """Free text of the activity as a notification's parameter: numbers masked, short."""
    return masking.mask_text(value or "")[:200]


def due_tomorrow(today: datetime.date | None = None) -> Any:
    """Planned activities starting on the day after ``today`` (local time)."""
    today = today or timezone.localdate()
    start = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min)
    )
    return (
        Activity.objects.filter(
            status=ActivityStatus.PLANNED,
            starts_at__gte=start,
            starts_at__lt=start + datetime.timedelta(days=1),
        )
        .select_related("organizer")
        .annotate(signed_up=Count("sign_ups"))
        .order_by("starts_at", "pk")
    )


def send_reminders(*, by: Any, today: datetime.date | None = None) -> dict[str, int]:
    """Remind of tomorrow's activities; counts of activities and notifications sent."""
    require_actor(by)
    counts = {"activities": 0, "members": 0, "staff": 0}
    users = get_user_model().objects
    for activity in due_tomorrow(today):
        params = {
            "title": _text(activity.title),
            "when": date_format(timezone.localtime(activity.starts_at), "Y-m-d H:i"),
            "place": _text(activity.place or activity.online_link),
        }
        counts["activities"] += 1
        counts["members"] += notifications.notify(
            users.filter(member__activity_sign_ups__activity=activity),
            "activity.reminder",
            params=params,
            link=reverse("activity_member:detail", args=[activity.pk]),
            source=activity,
            by=by,
        )
        counts["staff"] += notifications.notify(
            staff_of(activity.organizer),
            "activity.reminder_staff",
            params={**params, "signed_up": activity.signed_up},
            link=reverse("activities:detail", args=[activity.pk]),
            source=activity,
            by=by,
        )
    return counts
