"""The cycle's pages in the menu (core.navigation)."""

from django.utils.translation import gettext_lazy as _

from liudong.core.navigation import Entry, entries

entries.register(Entry("cycle:dues", "ledger", _("Party dues"), "cash-coin", order=90))
entries.register(
    Entry("cycle:appraisals", "ledger", _("Yearly appraisal"), "clipboard-check", order=100)
)
