"""The service requests' page in the menu (core.navigation)."""

from django.utils.translation import gettext_lazy as _

from liudong.core.navigation import Entry, entries

entries.register(
    Entry("assistance:list", "stations", _("Service requests"), "chat-square-text", order=30)
)
