from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "liudong.regions"
    label = "regions"
    verbose_name = _("Places")

    def ready(self) -> None:
        from liudong.core import audit
        from liudong.regions.models import Place

        audit.register(Place)
