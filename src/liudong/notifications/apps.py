from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "liudong.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from liudong.core import audit
        from liudong.notifications.models import Notification

        # The actions write set-based and record one row per call (decision 120); any
        # other write of a row (a deletion with its user) is recorded by the signals.
        audit.register(Notification)
