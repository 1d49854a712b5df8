from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "liudong.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from liudong.accounts import signals  # noqa: F401
        from liudong.accounts.models import PhoneCode, User
        from liudong.core import audit

        audit.register(User, sensitive=("password", "phone", "phone_index"))
        audit.register(PhoneCode, sensitive=("code_hash", "phone_index"))
