"""The bell: the signed-in user's unread notifications."""

from django.utils.translation import gettext_lazy as _

from liudong.core.attention import Item, register
from liudong.notifications.queries import unread_count

register(
    Item(
        "notifications",
        _("Unread notifications"),
        "notifications:centre",
        unread_count,
        anchor="",
        order=5,
    )
)
