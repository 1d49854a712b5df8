"""How the audit trail tells the notifications' events."""

from django.utils.translation import gettext_lazy as _

from liudong.core.events import register

register("notification.send", _("{actor} sent notifications about {object}"))
register("notification.read", _("{actor} marked notifications as read"))
