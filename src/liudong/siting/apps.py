from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SitingConfig(AppConfig):
    name = "liudong.siting"
    label = "siting"
    verbose_name = _("Station siting")

    def ready(self) -> None:
        from liudong.core import audit
        from liudong.siting.models import SitingPlan

        audit.register(SitingPlan)
