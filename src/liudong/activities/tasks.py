"""Periodic jobs of the activities; each is also a management command for cron."""

from __future__ import annotations

from celery import shared_task

from liudong.activities import actions
from liudong.core.scope import SYSTEM


@shared_task(name="liudong.remind_activities")
def remind_activities() -> dict[str, int]:
    """Remind those who signed up (and the organizer's staff) of tomorrow's activities."""
    return actions.send_reminders(by=SYSTEM)
