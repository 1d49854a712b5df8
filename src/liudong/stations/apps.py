from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StationsConfig(AppConfig):
    name = "liudong.stations"
    label = "stations"
    verbose_name = _("Stations")

    def ready(self) -> None:
        from liudong.core import audit
        from liudong.stations.models import CheckIn, HostSite, Station, StationLocation

        audit.register(Station)
        audit.register(CheckIn)
        audit.register(StationLocation)
        audit.register(HostSite)
