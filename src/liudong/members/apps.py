from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "liudong.members"
    label = "members"
    verbose_name = _("Ledger")

    def ready(self) -> None:
        from liudong.core import audit
        from liudong.members.models import Alert, Contact, FlowRecord, Handoff, Member, Transfer

        audit.register(Member, sensitive=("id_number", "phone"))
        for model in (FlowRecord, Contact, Handoff, Alert, Transfer):
            audit.register(model)
