"""Members sign in with their phone number and a one-time code (staff use passwords).

Step one asks for the number and always answers the same way, whether or not the number
is in the ledger; step two takes the code. Both steps are light phone pages.
"""

from __future__ import annotations

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from liudong.accounts import actions
from liudong.accounts.forms import CodeForm, PhoneForm
from liudong.core.acting import acting
from liudong.core.errors import DomainError
from liudong.core.middleware import client_ip

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return ""


@require_http_methods(["GET", "POST"])
def phone_login(request: HttpRequest) -> HttpResponse:
    """Step one: the number. The answer never tells whether it is in the ledger."""
    if request.user.is_authenticated and not request.GET.get("again"):
        return redirect(_next(request) or "core:home")
    form = PhoneForm(request.POST or None)
    context = {"form": form, "next": _next(request), "step": "phone"}
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            actions.request_phone_code(phone=phone, ip=client_ip(request))
        except DomainError as exc:
            if exc.code != "code_too_soon":
                form.add_error("phone", exc.message)
                return render(request, "accounts/phone_login.html", context, status=400)
            context["notice"] = exc.message  # a code is on its way already: go on to step 2
        context.update({"step": "code", "form": CodeForm(initial={"phone": phone}), "phone": phone})
    return render(request, "accounts/phone_login.html", context)


@require_http_methods(["POST"])
def phone_verify(request: HttpRequest) -> HttpResponse:
    """Step two: the code. A right one signs the member in."""
    form = CodeForm(request.POST)
    context = {"form": form, "next": _next(request), "step": "code"}
    if form.is_valid():
        # A refusal names the phone or the code; one that names neither goes under the code.
        with acting(request, form=form, fields={"": "code"}) as act:
            user = actions.verify_phone_code(
                phone=form.cleaned_data["phone"],
                code=form.cleaned_data["code"],
                ip=client_ip(request),
            )
        if act.ok:
            login(request, user, backend=BACKEND)
            return redirect(_next(request) or "core:home")
    context["phone"] = request.POST.get("phone", "")
    return render(request, "accounts/phone_login.html", context, status=400)
