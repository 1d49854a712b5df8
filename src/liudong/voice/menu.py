"""The members' voice's pages in the menu (core.navigation)."""

from django.utils.translation import gettext_lazy as _

from liudong.core.navigation import Entry, entries

entries.register(
    Entry("voice:suggestions", "stations", _("Suggestions and leads"), "lightbulb", order=60)
)
entries.register(Entry("voice:notices", "stations", _("Policy notices"), "megaphone", order=61))
entries.register(Entry("voice:jobs", "stations", _("Job openings"), "briefcase", order=62))
