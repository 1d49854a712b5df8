"""The places in the menu, beside the organization tree (core.navigation)."""

from django.utils.translation import gettext_lazy as _

from liudong.core.navigation import Entry, entries

entries.register(Entry("regions:list", "orgs", _("Places"), "geo-alt", order=20))
