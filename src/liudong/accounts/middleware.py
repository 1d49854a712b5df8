"""Users with a confirmed authenticator must pass the second step before anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device

from liudong.core import audit

EXEMPT_PREFIXES = ("/static/", "/i18n/", "/healthz")


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = audit.unwrap(getattr(request, "user", None))
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(EXEMPT_PREFIXES)
            and request.path not in self._exempt_paths()
            and self._needs_second_step(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "code": "otp_required",
                        "message": _("Two-factor verification required."),
                        "field": None,
                    },
                    status=403,
                )
            step = "accounts:otp_verify" if user_has_device(user) else "accounts:otp_setup"
            return redirect(f"{reverse(step)}?next={request.get_full_path()}")
        return self.get_response(request)

    @staticmethod
    def _exempt_paths() -> set[str]:
        return {
            reverse("accounts:otp_verify"),
            reverse("accounts:logout"),
            reverse("accounts:otp_setup"),
        }

    @staticmethod
    def _needs_second_step(user: object) -> bool:
        if user_has_device(user):
            return True
        required = getattr(settings, "LIUDONG_REQUIRE_2FA_FOR_ADMINS", False)
        return bool(required and getattr(user, "is_admin_role", False))
