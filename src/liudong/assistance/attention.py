"""The bell: requests awaiting the station's acceptance, and escalated open requests."""

from django.utils.translation import gettext_lazy as _

from liudong.assistance import queries
from liudong.core.attention import Item, register

register(
    Item(
        "service_requests",
        _("Service requests awaiting acceptance"),
        "assistance:list",
        queries.to_answer_count,
        order=20,
    )
)
register(
    Item(
        "service_requests_escalated",
        _("Overdue service requests escalated"),
        "assistance:list",
        queries.escalated_count,
        anchor="escalated",
        order=21,
    )
)
