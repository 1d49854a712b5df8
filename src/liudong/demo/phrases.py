"""How the audit trail tells the demo loader's events."""

from django.utils.translation import gettext_lazy as _

from liudong.core.events import register

register("demo.load", _("The demo set up {model} {object}"))
register("demo.ledger", _("The demo ledger was loaded"))
register("demo.check_ins", _("The demo check-ins were loaded"))
register("demo.census", _("The demo census was loaded: {object}"))
