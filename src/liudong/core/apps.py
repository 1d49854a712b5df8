from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "liudong.core"
    label = "core"
    verbose_name = _("System")

    def ready(self) -> None:
        # Core's own encrypted files: the uploads join the key ring's file stores.
        from liudong.core import upload_keys  # noqa: F401
