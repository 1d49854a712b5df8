"""The siting planner in the menu (core.navigation): for the city's and counties' administrators."""

from django.utils.translation import gettext_lazy as _

from liudong.core.navigation import Entry, entries

entries.register(
    Entry(
        "siting:list",
        "stations",
        _("Station siting"),
        "pin-map",
        order=40,
        capability="orgs.manage",
    )
)
entries.register(
    Entry(
        "siting:sites",
        "stations",
        _("Host sites"),
        "building",
        order=45,
        capability="orgs.manage",
    )
)
