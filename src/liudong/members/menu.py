"""The ledger's pages in the menu (core.navigation)."""

from django.utils.translation import gettext_lazy as _

from liudong.core.navigation import Entry, entries

for order, (url_name, label, icon) in enumerate(
    (
        ("members:ledger_out_of_province", _("Out of province"), "globe-asia-australia"),
        ("members:ledger_out_of_city", _("Out of city, in province"), "signpost-split"),
        ("members:ledger_out_of_county", _("Out of county, in city"), "signpost"),
        ("members:ledger_inflow", _("Inflow"), "box-arrow-in-down"),
        ("members:member_list", _("All members"), "person-vcard"),
        ("members:todo", _("To-do and alerts"), "bell"),
        ("members:alerts", _("Alerts by organization"), "exclamation-triangle"),
        ("members:transfers", _("Transfers"), "arrow-left-right"),
    ),
    start=1,
):
    entries.register(Entry(url_name, "ledger", label, icon, order=order * 10))
