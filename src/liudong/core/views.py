"""The audit trail page, the bell, friendly error pages (the home pages are the workbench's)."""

from __future__ import annotations

import sys

from django.contrib.auth.decorators import login_required
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from liudong.core import attention, params, unavailable
from liudong.core.events import changes_of, tell
from liudong.core.models import AuditEvent
from liudong.core.paging import paginate
from liudong.core.scope import visible_to


@attention.background
def attention_bell(request: HttpRequest) -> HttpResponse:
    """The bell's fragment: what awaits the user's answer (polled by the top bar)."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    items = attention.items_for(request.user)
    total = sum(item["count"] for item in items)
    return render(request, "core/attention.html", {"items": items, "total": total})


def healthz(request: HttpRequest) -> JsonResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    if not request.user.can("audit.view"):
        raise PermissionDenied
    events = visible_to(request.user, AuditEvent.objects.all())
    q = {
        k: request.GET.get(k, "").strip()
        for k in ("actor", "kind", "verb", "object", "request_id", "since", "until", "ip")
    }
    if q["actor"]:
        events = events.filter(actor_name__icontains=q["actor"])
    if q["kind"]:
        events = events.filter(kind=q["kind"])
    if q["verb"]:
        events = events.filter(verb__icontains=q["verb"])
    if q["object"]:
        events = events.filter(object_repr__icontains=q["object"])
    if q["request_id"]:
        events = events.filter(request_id=q["request_id"])
    if q["ip"]:
        events = events.filter(ip=q["ip"]) if _is_ip(q["ip"]) else events.none()
    for key, lookup in (("since", "at__date__gte"), ("until", "at__date__lte")):
        day = params.date(request.GET, key)  # an impossible date is a 400, not a 500
        if day is not None:
            events = events.filter(**{lookup: day})
    context = {
        "q": q,
        "kinds": AuditEvent.KIND_CHOICES,
        **paginate(request, events.select_related("content_type", "actor")),
    }
    context["told"] = [
        (told, changes_of(told.event)) for told in tell(context["object_list"], request.user)
    ]
    return render(request, "core/audit_list.html", context)


def _is_ip(value: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        code = {400: "bad_request", 403: "permission_denied", 404: "not_found"}.get(
            status, "server_error"
        )
        return JsonResponse({"code": code, "message": message, "field": None}, status=status)
    context = {"status": status, "title": title, "message": message}
    return render(request, "error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    from liudong.core.params import BadParameter

    if isinstance(exception, BadParameter):  # our own refusal: say what was wrong
        if request.path.startswith("/api/"):
            return JsonResponse(exception.as_dict(), status=400)
        return _error(request, 400, _("Bad request"), exception.message)
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        # Form fields past Django's limits (DATA_UPLOAD_MAX_*): say so, as for a large file.
        from django.conf import settings

        from liudong.core.security import too_large

        return too_large(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return _error(request, 400, _("Bad request"), _("The request could not be understood."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, _("No access"), _("Your role does not allow this page or action."))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its token (expired page, another site): our page, not Django's,
    whose inline <style> the Content-Security-Policy refuses (decision 180)."""
    return _error(
        request,
        403,
        _("The form could not be sent"),
        _(
            "The page had expired or the form came from elsewhere. Go back, reload the page "
            "and send it again."
        ),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        404,
        _("Not found"),
        _("This page does not exist, or it is not within your organization's scope."),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    if unavailable.database_away(sys.exc_info()[1]):
        return unavailable.response(request)
    return _error(
        request,
        500,
        _("Something went wrong"),
        _("The error has been logged with its request id. Please try again later."),
    )


def error_preview(request: HttpRequest, status: int) -> HttpResponse:
    handlers = {400: bad_request, 403: permission_denied, 404: page_not_found}
    if status == 500:
        return server_error(request)
    return handlers.get(status, page_not_found)(request)
