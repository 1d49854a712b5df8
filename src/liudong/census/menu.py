"""The census pages in the menu (core.navigation)."""

from django.utils.translation import gettext_lazy as _

from liudong.core.navigation import Entry, entries

entries.register(
    Entry(
        "census:rounds",
        "census",
        _("Rounds and progress"),
        "clipboard-data",
        order=10,
        capability="census.submit",
    )
)
entries.register(
    Entry(
        "census:conflicts",
        "census",
        _("Claimed twice"),
        "people",
        order=20,
        capability="census.submit",
    )
)
