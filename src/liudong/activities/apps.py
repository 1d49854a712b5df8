from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "liudong.activities"
    label = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        from liudong.activities.models import Activity, ActivityPhoto, Attendance, SignUp
        from liudong.core import audit

        audit.register(Activity)
        audit.register(SignUp)
        audit.register(Attendance)
        audit.register(ActivityPhoto)
