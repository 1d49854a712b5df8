"""How the audit trail tells the siting planner's events."""

from django.utils.translation import gettext_lazy as _

from liudong.core.events import register

register("siting_plan.run", _("{actor} ran and saved the siting plan {object}"))
register("siting_plan.delete", _("{actor} deleted the siting plan {object}"))
register("siting_plan.convert", _("{actor} turned the siting plan {object} into planned stations"))
