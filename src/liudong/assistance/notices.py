"""The service requests' notifications: a request assigned to a staff member, overdue and
escalated, resolved (to the member)."""

from django.utils.translation import gettext_lazy as _

from liudong.notifications.kinds import Kind, register

register(
    Kind(
        "request.assigned",
        _("A service request at {station} is assigned to you"),
        _("Accept by {accept_by}; resolve by {resolve_by}."),
        order=20,
    )
)
register(
    Kind(
        "request.overdue",
        _("A service request at {station} is overdue"),
        _("It was escalated to {organization}."),
        order=21,
    )
)
register(
    Kind(
        "request.resolved",
        _("Your request at {station} is resolved"),
        _("Open it to read the outcome and rate the help."),
        order=22,
    )
)
