"""Sign in and out, password change, two-factor set-up, the user's own account page."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from liudong.accounts import actions
from liudong.accounts.forms import LoginForm, TokenForm
from liudong.accounts.models import Role
from liudong.core.authentication import token_expired, token_expires_at, token_lifetime


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices_for_user(request.user, confirmed=True):
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                return redirect(_safe_next(request))
        form.add_error("token", _("That code is not right or has expired. Try the next one."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _safe_next(request)})


def _qr_svg(url: str) -> str:
    buffer = BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=4, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_admin_role:
        messages.info(request, _("Two-factor sign-in is offered to administrators."))
        return redirect("accounts:profile")
    device = actions.pending_two_factor_device(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            actions.confirm_two_factor(user, device)
            otp_login(request, device)
            messages.success(request, _("Two-factor sign-in is on for your account."))
            return redirect("accounts:profile")
        form.add_error("token", _("That code is not right. Check the time on your phone."))
    context = {"form": form, "qr_svg": _qr_svg(device.config_url), "secret": device.key}
    return render(request, "accounts/otp_setup.html", context)


@login_required
@require_POST
def otp_disable(request: HttpRequest) -> HttpResponse:
    actions.disable_two_factor(request.user)
    messages.success(request, _("Two-factor sign-in is off for your account."))
    return redirect("accounts:profile")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.role == Role.MEMBER and not user.is_superuser:
        # Members: the light phone page ("Me" in their tab bar); they sign in by phone.
        return render(request, "accounts/profile_member.html", {"tab": "me"})
    token = getattr(user, "auth_token", None)
    context = {
        "has_otp": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "token": token,
        "token_days": token_lifetime().days,
        "token_expires_at": token_expires_at(token) if token else None,
        "token_expired": token_expired(token) if token else False,
    }
    return render(request, "accounts/profile.html", context)


@login_required
@require_POST
def api_token(request: HttpRequest) -> HttpResponse:
    if request.POST.get("revoke"):
        actions.revoke_api_token(request.user)
        messages.success(request, _("Your API token has been revoked."))
    else:
        actions.issue_api_token(request.user)
        messages.success(request, _("A new API token has been issued."))
    return redirect("accounts:profile")
