"""The activities' notifications: the reminder the day before, to those who signed up and to
the organizer's staff."""

from django.utils.translation import gettext_lazy as _

from liudong.notifications.kinds import Kind, register

register(
    Kind(
        "activity.reminder",
        _("Tomorrow: {title}"),
        _("{when}, {place}. Scan the activity's QR code there to record your attendance."),
        order=30,
    )
)
register(
    Kind(
        "activity.reminder_staff",
        _("Tomorrow your side holds: {title}"),
        _("{when}, {place}; {signed_up} signed up. Print or show its QR code for attendance."),
        order=31,
    )
)
