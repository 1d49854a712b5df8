"""How the audit trail tells the code tables' events."""

from django.utils.translation import gettext_lazy as _

from liudong.core.events import register

register("code_table.create", _("{actor} created the code table {object}"))
register("code.create", _("{actor} added the code {object}"))
register("code.update", _("{actor} edited the code {object}"))
register("code.deactivate", _("{actor} retired the code {object}"))
register("code.reactivate", _("{actor} brought back the code {object}"))
register("codes.load", _("The built-in code tables were loaded"))
register("calendar.set_days", _("{actor} entered holiday calendar days: {object}"))
