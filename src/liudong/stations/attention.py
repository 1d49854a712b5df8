"""The bell: check-ins awaiting the station's confirmation."""

from django.utils.translation import gettext_lazy as _

from liudong.core.attention import Item, register
from liudong.stations.queries import pending_count

register(
    Item(
        "check_ins",
        _("Check-ins awaiting your confirmation"),
        "stations:check_ins",
        pending_count,
        anchor="to-answer",
        order=10,
    )
)
