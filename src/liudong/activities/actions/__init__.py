"""Every state change of activities, sign-ups and attendance: atomic, audited, raising
domain errors. One module per topic (decision 81); this package re-exports their names."""

from __future__ import annotations

from liudong.activities.actions.attendance import (
    mark_attendance,
    record_by_scan,
    set_volunteer_hours,
)
from liudong.activities.actions.photos import add_photo, remove_photo
from liudong.activities.actions.planning import (
    ACTIVITY_FIELDS,
    ORGANIZER_KINDS,
    cancel_activity,
    edit_activity,
    plan_activity,
    record_held_activity,
    record_summary,
)
from liudong.activities.actions.reminders import due_tomorrow, send_reminders
from liudong.activities.actions.signup import in_audience, sign_up, withdraw_sign_up

__all__ = [
    "ACTIVITY_FIELDS",
    "ORGANIZER_KINDS",
    "add_photo",
    "cancel_activity",
    "due_tomorrow",
    "edit_activity",
    "in_audience",
    "mark_attendance",
    "plan_activity",
    "record_by_scan",
    "record_held_activity",
    "record_summary",
    "remove_photo",
    "send_reminders",
    "set_volunteer_hours",
    "sign_up",
    "withdraw_sign_up",
]
