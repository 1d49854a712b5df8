"""The stations' notifications: a check-in awaiting the station, and its answer."""

from django.utils.translation import gettext_lazy as _

from liudong.notifications.kinds import Kind, register

register(
    Kind(
        "checkin.pending",
        _("{member} asks to check in at {station}"),
        _("Confirm or refuse the check-in."),
        order=10,
    )
)
register(
    Kind(
        "checkin.confirmed",
        _("Your check-in at {station} is confirmed"),
        _("The station now serves you; its staff may contact you."),
        order=11,
    )
)
register(
    Kind(
        "checkin.refused",
        _("Your check-in at {station} was refused"),
        _("Open it to read the station's reason."),
        order=12,
    )
)
