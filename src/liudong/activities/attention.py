"""The bell: activities that are over and await their summary (and attendance)."""

from django.utils.translation import gettext_lazy as _

from liudong.activities.queries import awaiting_summary_count
from liudong.core.attention import Item, register

register(
    Item(
        "activity_summaries",
        _("Activities over, awaiting their summary"),
        "activities:list",
        awaiting_summary_count,
        anchor="awaiting-summary",
        order=30,
    )
)
