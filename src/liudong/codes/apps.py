from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CodesConfig(AppConfig):
    name = "liudong.codes"
    label = "codes"
    verbose_name = _("Code tables")

    def ready(self) -> None:
        from liudong.codes.models import Code, CodeTable
        from liudong.core import audit

        audit.register(CodeTable)
        audit.register(Code)
