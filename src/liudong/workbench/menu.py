"""The menu's groups, in order (the workbench owns the menu's shape), and its own entry.

Each app registers its pages' entries in its own ``menu.py`` (see core.navigation).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from liudong.core.navigation import Entry, Group, entries, groups

for order, key, label in (
    (10, "home", _("Home")),
    (20, "ledger", _("Ledger")),
    (30, "stations", _("Stations")),
    (35, "activities", _("Activities")),
    (40, "analytics", _("Statistics")),
    (50, "census", _("Census")),
    (60, "orgs", _("Organizations")),
    (70, "system", _("System")),
):
    groups.register(Group(key, label, order))

entries.register(Entry("core:home", "home", _("Workbench"), "house", order=10))
