"""The users' page in the menu (core.navigation)."""

from django.utils.translation import gettext_lazy as _

from liudong.core.navigation import Entry, entries

entries.register(
    Entry("accounts:user_list", "system", _("Users"), "people", order=10, capability="users.manage")
)
