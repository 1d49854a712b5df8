"""The organization tree in the menu (core.navigation)."""

from django.utils.translation import gettext_lazy as _

from liudong.core.navigation import Entry, entries

entries.register(Entry("orgs:list", "orgs", _("Organization tree"), "diagram-3", order=10))
