"""The notification centre: one's own notifications, unread first; open one (it is then
read), mark some or all read. Staff read it in the shell, members on the phone."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liudong.core.acting import acting
from liudong.core.decorators import shows
from liudong.core.paging import paginate
from liudong.core.scope import get_visible_or_404
from liudong.notifications import actions, queries
from liudong.notifications.models import Notification


def _on_phone(user: Any) -> bool:
    return getattr(user, "role", "") == "member" and not user.is_superuser


@login_required
def centre(request: HttpRequest) -> HttpResponse:
    rows = queries.mine(request.user)
    if request.GET.get("unread"):
        rows = rows.filter(read_at__isnull=True)
    paged = paginate(request, rows, 30 if _on_phone(request.user) else 50)
    context = {
        **paged,
        "told": queries.told(paged["object_list"]),
        "unread": queries.unread_count(request.user),
        "only_unread": bool(request.GET.get("unread")),
        "tab": "messages",
    }
    template = (
        "notifications/m_centre.html" if _on_phone(request.user) else "notifications/centre.html"
    )
    return render(request, template, context)


@login_required
@shows(Notification)
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go to what it is about (a path of this site)."""
    notification = get_visible_or_404(request.user, queries.mine(request.user), pk=pk)
    if notification.read_at is None:
        actions.mark_read(request.user, [notification.pk])
    target = notification.link
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:centre")


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    ids = request.POST.getlist("ids")
    with acting(request, success=_("Marked as read.")):
        actions.mark_read(request.user, ids)
    return redirect("notifications:centre")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    with acting(request) as act:
        count = actions.mark_all_read(request.user)
        act.success = _("%(count)s notifications marked as read.") % {"count": count}
    return redirect("notifications:centre")
