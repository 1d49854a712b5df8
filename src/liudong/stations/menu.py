"""The stations' pages in the menu (core.navigation)."""

from django.utils.translation import gettext_lazy as _

from liudong.core.navigation import Entry, entries

entries.register(Entry("stations:list", "stations", _("Stations"), "geo", order=10))
entries.register(Entry("stations:check_ins", "stations", _("Check-ins"), "person-check", order=20))
