"""The notification centre in the menu (under Home)."""

from django.utils.translation import gettext_lazy as _

from liudong.core.navigation import Entry, entries

entries.register(Entry("notifications:centre", "home", _("Notifications"), "envelope", order=20))
