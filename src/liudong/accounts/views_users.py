"""User administration pages: list, create, edit (scoped to the administrator's subtree)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liudong.accounts import actions
from liudong.accounts.forms import UserForm
from liudong.accounts.models import Role, User
from liudong.accounts.queries import search, users_for
from liudong.core import pii
from liudong.core.acting import acting
from liudong.core.decorators import shows
from liudong.core.errors import DomainError
from liudong.core.paging import paginate
from liudong.core.scope import get_visible_or_404


def _require(request: HttpRequest) -> None:
    if not request.user.can("users.manage"):
        raise PermissionDenied


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    q = {k: request.GET.get(k, "").strip() for k in ("q", "role", "active")}
    users = search(request.user, **q)
    context = {"q": q, "roles": Role.choices, **paginate(request, users)}
    return render(request, "accounts/user_list.html", context)


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    _require(request)
    form = UserForm(request.POST or None, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        with acting(request, success=_("Account created."), form=form) as act:
            actions.create_user(by=request.user, **form.cleaned_data)
        if act.ok:
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


@shows(User)
@login_required
@require_POST
def user_reveal_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one account's full phone number; the reveal is audited."""
    target = get_visible_or_404(request.user, users_for(request.user), pk=pk)
    try:
        phone = pii.reveal(request.user, target, "phone")
    except DomainError as exc:
        return HttpResponse(exc.message, status=exc.status)
    return HttpResponse(phone or "—")


@shows(User)
@login_required
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    target = get_visible_or_404(request.user, users_for(request.user), pk=pk)
    initial = {
        "display_name": target.display_name,
        "role": target.role,
        "email": target.email,
        "organization": target.organization,
        "phone": "",
        "is_active": target.is_active,
    }
    form = UserForm(request.POST or None, viewer=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        if not changes.get("phone"):
            changes.pop("phone", None)  # empty means "keep": the stored number is never shown
        with acting(request, success=_("Changes saved."), form=form) as act:
            actions.update_user(by=request.user, user=target, **changes)
        if act.ok:
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "target": target})
