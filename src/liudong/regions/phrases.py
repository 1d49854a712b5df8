"""How the audit trail tells the places' events."""

from django.utils.translation import gettext_lazy as _

from liudong.core.events import register

register("places.load", _("The places (GB/T 2260) were loaded"))
