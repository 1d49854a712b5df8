"""The members' phone pages' one gate: members pass; a visitor is sent to sign in with a
phone (and back after); staff get a page saying where their work is instead."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _


def message(request: HttpRequest, title: Any, text: Any, *, status: int = 200) -> HttpResponse:
    """A short message on the members' phone layout."""
    return render(request, "m_message.html", {"title": title, "message": text}, status=status)


def members_only(request: HttpRequest, staff_message: Any) -> HttpResponse | None:
    """None for a member; otherwise the answer to send instead (``staff_message`` tells a
    staff account where its work on this is)."""
    user = request.user
    if not user.is_authenticated:
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('accounts:phone_login')}?{query}")
    if user.is_superuser or user.is_staff_role or user.role != "member":
        return message(request, _("For members"), staff_message, status=403)
    return None
