"""How the audit trail tells the organization tree's events."""

from django.utils.translation import gettext_lazy as _

from liudong.core.events import register

register("org.create", _("{actor} created the organization {object}"))
register("org.update", _("{actor} edited the organization {object}"))
register("org.move", _("{actor} moved the organization {object}"))
register("org.deactivate", _("{actor} deactivated the organization {object}"))
