"""Home page per role, the audit trail page, friendly error pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.core import attention, params
from liudong.core.events import changes_of, tell
from liudong.core.models import AuditEvent
from liudong.core.paging import paginate
from liudong.core.scope import scope_of, visible_to


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
def home(request: HttpRequest) -> HttpResponse:
    from liudong.accounts.models import Role, User
    from liudong.orgs.models import Organization

    user = request.user
    context: dict[str, Any] = {"scope": scope_of(user)}
    if user.role == Role.MEMBER and not user.is_superuser:
        context.update(_member_home(user), tab="home")
        return render(request, "core/home_member.html", context)
    from liudong.members import work

    orgs = visible_to(user, Organization.objects.all())
    context.update(
        {
            "org_count": orgs.count(),
            "org_by_kind": _count_by(orgs, "kind", Organization._meta.get_field("kind")),
            "user_count": visible_to(user, User.objects.filter(is_active=True)).count(),
            "events_today": visible_to(user, AuditEvent.objects.all())
            .filter(at__date=timezone.localdate())
            .count(),
            "recent_events": tell(
                visible_to(user, AuditEvent.objects.select_related("content_type", "actor"))[:8],
                user,
            )
            if user.can("audit.view")
            else [],
            "children": _home_children(user, orgs),
            # Figures of daily work; the to-do page lists exactly these rows.
            "todo": work.todo_counts(user),
            "check_ins_pending": _check_ins_pending(user),
            "recent_check_ins": [] if user.can("audit.view") else _recent_check_ins(user),
        }
    )
    if user.role == Role.STATION_STAFF:
        context["my_stations"] = _my_stations(user)
    template = {
        Role.CITY_ADMIN: "core/home_city.html",
        Role.COUNTY_ADMIN: "core/home_county.html",
        Role.STATION_STAFF: "core/home_station.html",
        Role.BRANCH_SECRETARY: "core/home_branch.html",
    }.get(user.role, "core/home_city.html")
    return render(request, template, context)


def _member_home(user: Any) -> dict[str, Any]:
    """A member's own open flow record and who has seen their personal data in full."""
    from liudong.members import work

    member = work.member_of(user)
    if member is None:
        return {"member": None}
    my_flow = work.open_flow_of(member)
    return {
        "member": member,
        "my_flow": my_flow,
        "data_views": work.views_of_my_data(member, limit=20),
        "data_views_count": work.count_views_of_my_data(member),
        **_member_stations(member, my_flow),
    }


def _member_stations(member: Any, flow: Any) -> dict[str, Any]:
    try:
        from liudong.stations import queries
    except ImportError:  # a deployment without stations
        return {}
    return queries.member_summary(member, flow)


def _check_ins_pending(user: Any) -> int:
    try:
        from liudong.stations import queries
    except ImportError:
        return 0
    return queries.pending_count(user)


def _my_stations(user: Any) -> list[Any]:
    """The stations of a station's staff, with their members as every page counts them."""
    try:
        from liudong.stations import queries
    except ImportError:
        return []
    return [s for s in queries.stations_for(user) if s.branch_id == user.organization_id]


def _recent_check_ins(user: Any) -> list[Any]:
    try:
        from liudong.stations import queries
    except ImportError:
        return []
    return list(queries.check_ins(user).order_by("-requested_at", "-id")[:8])


def _home_children(user: Any, orgs: Any) -> Any:
    """The city sees its counties and city bodies; others what is directly under them."""
    from liudong.core.scope import ScopeKind

    if scope_of(user).kind == ScopeKind.ALL:
        return orgs.filter(depth=1).order_by("sort_order", "code")[:12]
    return orgs.filter(parent=user.organization_id).order_by("sort_order", "code")[:12]


def _count_by(queryset: Any, field: str, model_field: Any) -> list[tuple[str, int]]:
    from django.db.models import Count

    labels = dict(model_field.choices)
    rows = queryset.values(field).annotate(n=Count("pk")).order_by("-n")
    return [(labels.get(row[field], row[field]), row["n"]) for row in rows]


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
    return _error(request, 400, _("Bad request"), _("The request could not be understood."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, _("No access"), _("Your role does not allow this page or action."))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        404,
        _("Not found"),
        _("This page does not exist, or it is not within your organization's scope."),
    )


def server_error(request: HttpRequest) -> HttpResponse:
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
