"""The statistics pages in the menu (core.navigation)."""

from django.utils.translation import gettext_lazy as _

from liudong.core.navigation import Entry, entries

for order, (url_name, label, icon) in enumerate(
    (
        ("analytics:dashboard", _("Dashboard"), "speedometer2"),
        ("analytics:map", _("Distribution map"), "map"),
        ("analytics:coverage", _("Coverage"), "bullseye"),
        ("analytics:trends", _("Trends"), "graph-up"),
        ("analytics:report", _("Monthly report"), "table"),
    ),
    start=1,
):
    entries.register(Entry(url_name, "analytics", label, icon, order=order * 10))
