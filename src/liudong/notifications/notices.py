"""The notifications app's own kind: a notice an organization sends its people."""

from django.utils.translation import gettext_lazy as _

from liudong.notifications.kinds import Kind, register

register(Kind("org.notice", _("{sender}: {subject}"), "{text}", order=90))
