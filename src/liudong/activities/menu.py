"""The activities' pages in the menu (core.navigation)."""

from django.utils.translation import gettext_lazy as _

from liudong.core.navigation import Entry, entries

entries.register(
    Entry("activities:list", "activities", _("Activities"), "calendar-event", order=10)
)
