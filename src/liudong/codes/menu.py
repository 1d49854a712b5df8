"""The code tables in the menu (core.navigation)."""

from django.utils.translation import gettext_lazy as _

from liudong.core.navigation import Entry, entries

entries.register(
    Entry(
        "codes:list",
        "system",
        _("Code tables"),
        "journal-text",
        order=20,
        capability="codes.manage",
    )
)
