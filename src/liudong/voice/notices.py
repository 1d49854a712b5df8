"""The members' voice's notifications: a suggestion routed to a department (its users), a
suggestion's answer published (the member)."""

from django.utils.translation import gettext_lazy as _

from liudong.notifications.kinds import Kind, register

register(
    Kind(
        "suggestion.routed",
        _("A suggestion for {county} is routed to your department"),
        _("“{title}”: answer it; the county approves the answer before the member reads it."),
        order=40,
    )
)
register(
    Kind(
        "suggestion.answered",
        _("{county} answered your suggestion"),
        _("“{title}”: open it to read the answer."),
        order=41,
    )
)
