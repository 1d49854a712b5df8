from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "liudong.orgs"
    label = "orgs"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        from liudong.core import audit
        from liudong.orgs.models import Organization

        audit.register(Organization)
