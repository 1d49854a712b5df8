from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CensusConfig(AppConfig):
    name = "liudong.census"
    label = "census"
    verbose_name = _("Census")

    def ready(self) -> None:
        from liudong.census.actions import note_asked_in_ledger
        from liudong.census.models import (
            CensusConflict,
            CensusEntry,
            CensusProblem,
            CensusRound,
            CensusSubmission,
        )
        from liudong.core import audit
        from liudong.members import elsewhere

        for model in (CensusRound, CensusSubmission, CensusEntry, CensusProblem):
            audit.register(model)
        audit.register(CensusConflict, sensitive=("payload",))
        # A person entered in the ledger who is registered elsewhere: a case for the city.
        elsewhere.asked.connect(
            note_asked_in_ledger, dispatch_uid="census-conflict-from-ledger", weak=False
        )
