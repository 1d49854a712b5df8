"""How the audit trail tells the activities' events."""

from django.utils.translation import gettext_lazy as _

from liudong.core.events import register

register("activity.plan", _("{actor} planned the activity {object}"))
register("activity.record_held", _("{actor} entered an activity held earlier: {object}"))
register("activity.edit", _("{actor} changed the activity {object}"))
register("activity.cancel", _("{actor} cancelled the activity {object}"))
register("activity.summary", _("{actor} wrote the summary of the activity {object}"))
register("activity.sign_up", _("{actor} signed up for an activity: {object}"))
register("activity.withdraw", _("{actor} withdrew from an activity: {object}"))
register("activity.attend", _("{actor} recorded their attendance by the QR code: {object}"))
register("activity.mark_attendance", _("{actor} marked attendance: {object}"))
register("activity.volunteer_hours", _("{actor} recorded volunteer hours: {object}"))
register("activity.add_photo", _("{actor} added a photo of the activity: {object}"))
register("activity.remove_photo", _("{actor} removed a photo of the activity: {object}"))
