from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CodesConfig(AppConfig):
    name = "liudong.codes"
    label = "codes"
    verbose_name = _("Code tables")

    def ready(self) -> None:
        from liudong.codes import workdays
        from liudong.codes.models import CalendarDay, Code, CodeTable
        from liudong.core import audit

        audit.register(CodeTable)
        audit.register(Code)
        audit.register(CalendarDay)
        workdays.connect_signals(CalendarDay)
        self._connect_cache_invalidation(Code, CodeTable)

    @staticmethod
    def _connect_cache_invalidation(*models: type) -> None:
        from django.db.models.signals import post_delete, post_save

        from liudong.codes.queries import codes_changed

        for model in models:
            uid = f"liudong-codes-cache-{model.__name__}"
            post_save.connect(codes_changed, sender=model, dispatch_uid=uid + "-save")
            post_delete.connect(codes_changed, sender=model, dispatch_uid=uid + "-delete")
