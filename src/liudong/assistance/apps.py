from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "liudong.assistance"
    label = "assistance"
    verbose_name = _("Service requests")

    def ready(self) -> None:
        from liudong.assistance.models import RequestAttachment, RequestNote, ServiceRequest
        from liudong.core import audit

        audit.register(ServiceRequest, sensitive=("description", "rating_comment"))
        audit.register(RequestNote, sensitive=("text",))
        audit.register(RequestAttachment)
