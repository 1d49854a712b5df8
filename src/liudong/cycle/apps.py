from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CycleConfig(AppConfig):
    name = "liudong.cycle"
    label = "cycle"
    verbose_name = _("Yearly cycle")

    def ready(self) -> None:
        from liudong.core import audit
        from liudong.cycle.models import (
            Appraisal,
            AppraisalWindow,
            DuesBracket,
            DuesPayment,
            DuesSetting,
        )

        for model in (DuesBracket, DuesSetting, DuesPayment, AppraisalWindow, Appraisal):
            audit.register(model)
