from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CensusConfig(AppConfig):
    name = "liudong.census"
    label = "census"
    verbose_name = _("Census")

    def ready(self) -> None:
        from liudong.census.models import (
            CensusConflict,
            CensusEntry,
            CensusProblem,
            CensusRound,
            CensusSubmission,
        )
        from liudong.core import audit

        for model in (CensusRound, CensusSubmission, CensusEntry, CensusProblem):
            audit.register(model)
        audit.register(CensusConflict, sensitive=("payload",))
