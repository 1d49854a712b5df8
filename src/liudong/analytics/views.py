"""Statistics pages: dashboards (city, county, station), the distribution map, coverage
against targets, trends, the monthly report, the wall display. Staff only, scoped.

Every page takes ``?org=<code>`` (an organization in the viewer's scope, default their own;
out of scope is "not found") and the figure filters (direction, status, reason, period).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from liudong.analytics import actions, cards, figures, mapdata, reports
from liudong.analytics.models import CoverageTarget
from liudong.codes import queries as codes
from liudong.core import xlsx
from liudong.core.acting import acting
from liudong.core.decorators import opens_for, shows
from liudong.core.errors import DomainError, ScopeError
from liudong.core.scope import get_visible_or_404, visible_to
from liudong.members.models import OPEN_STATUSES, Direction, FlowStatus
from liudong.orgs.models import Organization, OrgKind

# --- helpers ------------------------------------------------------------------------------


def _staff_only(request: HttpRequest) -> None:
    user = request.user
    if not (user.is_superuser or user.is_staff_role):
        raise PermissionDenied


def _organization(request: HttpRequest) -> Organization:
    try:
        return figures.organization_for(request.user, request.GET.get("org", ""))
    except ScopeError as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        raise PermissionDenied(exc.message) from exc


def org_choices(user: Any, current: Organization | None = None) -> list[Organization]:
    """Organizations a dashboard can be about: the root, county-level bodies, townships and
    mobile branches (stations) in the viewer's scope, and always the viewer's own
    organization and the one in view (a branch secretary's list is never empty)."""
    own = getattr(user, "organization_id", None)
    orgs = set(
        visible_to(
            user,
            Organization.objects.filter(active=True).filter(
                Q(parent__isnull=True)
                | Q(kind__in=(*figures.ROW_KINDS, OrgKind.MOBILE_BRANCH))
                | Q(pk=own)
            ),
        )
    )
    if current is not None:
        orgs.add(current)
    return sorted(orgs, key=lambda o: (o.depth > 0, o.kind == OrgKind.MOBILE_BRANCH, o.path))


def keeps_county_figures(user: Any) -> bool:
    """Coverage and the monthly report are kept for counties and the city: a user whose own
    organization is a station (its mobile branch) has neither. The menu asks this too."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not (user.is_superuser or user.is_staff_role):
        return False
    try:
        org = figures.organization_for(user, "")
    except DomainError:
        return False
    return cards.level_of(org) != cards.STATION


def _common(request: HttpRequest) -> dict[str, Any]:
    _staff_only(request)
    org = _organization(request)
    flt = figures.FigureFilter.from_params(request.GET)
    return {
        "org": org,
        "level": cards.level_of(org),
        "flt": flt,
        "org_choices": org_choices(request.user, org),
        "reasons": codes.choices("flow_reason"),
        "statuses": [(s.value, s.label) for s in FlowStatus if s in OPEN_STATUSES],
        "directions": [(d.value, d.label) for d in Direction],
        "query": urlencode({"org": org.code, **flt.params()}),
    }


def ledger_url(org: Organization, direction: str, area: str, *, root_place: str = "") -> str:
    """The ledger filtered to an area of the map, within the organization in view."""
    params: dict[str, str] = {}
    if org.parent_id is not None:
        if figures.basis_for(org) == figures.ATTACHED:
            params["station"] = org.code
        else:
            params["county"] = org.code
    key = "province" if area.endswith("0000") else "city"
    params[key] = area if key == "province" else area[:4] + "00"
    if direction == Direction.INFLOW:
        name = "members:ledger_inflow"
    else:
        province = figures.home_province()
        if not area.startswith(province):
            name = "members:ledger_out_of_province"
        elif root_place and area.startswith(root_place[:4]):
            name = "members:ledger_out_of_county"
        else:
            name = "members:ledger_out_of_city"
    return reverse(name) + "?" + urlencode(params)


def _root_place() -> str:
    root = figures.root_organization()
    return root.place_id or "" if root else ""


# --- dashboard ----------------------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context = _common(request)
    org, flt = context["org"], context["flt"]
    board = figures.cached_dashboard(request.user, org, flt)
    ctx = cards.CardContext(request.user, org, context["level"], flt, board)
    ledger_params = {}
    if org.parent_id is not None:
        key = "station" if context["level"] == cards.STATION else "county"
        ledger_params[key] = org.code
    context.update(
        {
            "board": board,
            "cards": cards.cards_for(ctx),
            "ledger_query": urlencode(ledger_params),
        }
    )
    return render(request, "analytics/dashboard.html", context)


@login_required
def wall(request: HttpRequest) -> HttpResponse:
    """The wall display (大屏): dark, full screen, refreshes itself every minute."""
    context = _common(request)
    org, flt = context["org"], context["flt"]
    board = figures.cached_dashboard(request.user, org, flt)
    query = urlencode({"org": org.code, **flt.params()})
    outflow = urlencode({"org": org.code, **flt.params(), "direction": Direction.OUTFLOW})
    context.update(
        {
            "board": board,
            "refresh_seconds": 60,
            "now": timezone.localtime(),
            "wall_config": {
                "geo": reverse("analytics:geo", args=["china"]),
                "distribution": reverse("v1:analytics-distribution") + "?" + outflow,
                "lines": reverse("v1:analytics-flow-lines") + "?" + outflow + "&top=30",
                "dashboard": reverse("v1:analytics-dashboard") + "?" + query,
                "labels": {
                    "target": _("target"),
                    "in_province": _("In province"),
                    "out_of_province": _("Out of province"),
                },
            },
        }
    )
    return render(request, "analytics/wall.html", context)


# --- map ----------------------------------------------------------------------------------


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    context = _common(request)
    area = request.GET.get("area", "")
    area = area if area.isdigit() and len(area) == 6 else ""
    view = "lines" if request.GET.get("view") == "lines" else "areas"
    flt = context["flt"]
    if not flt.direction:  # the map shows one direction: where they went, or came from
        flt = figures.FigureFilter(Direction.OUTFLOW, flt.status, flt.reason, flt.period)
        context["flt"] = flt
    query = urlencode({"org": context["org"].code, **flt.params()})
    context.update(
        {
            "area": area,
            "view": view,
            "query": query,
            "deployer_map": mapdata.is_deployer_data(),
            "map_config": {
                "geo": reverse("analytics:geo", args=["china"]).replace("china.json", ""),
                "distribution": reverse("v1:analytics-distribution"),
                "lines": reverse("v1:analytics-flow-lines"),
                "dashboard": reverse("v1:analytics-dashboard"),
                "query": query,
                "area": area,
                "view": view,
                "direction": flt.direction,
                "labels": {
                    "country": _("China"),
                    "members": _("members"),
                    "managed": _("managed"),
                    "coverage": _("coverage"),
                    "stations": _("Stations"),
                    "liaison": _("Liaison station"),
                    "service": _("Service station"),
                    "attached": _("attached"),
                    "ledger": _("Open the ledger"),
                    "none": _("No members here."),
                    "lines": _("Flows"),
                },
            },
        }
    )
    return render(request, "analytics/map.html", context)


@login_required
@cache_control(max_age=7 * 24 * 3600, private=True)
def geo(request: HttpRequest, name: str) -> HttpResponse:
    """A boundary file (china or a six-digit code), cached by the browser for a week."""
    path = mapdata.map_file(name)
    if path is None:
        raise Http404(_("No map for this area."))
    return FileResponse(path.open("rb"), content_type="application/json")


# --- coverage -----------------------------------------------------------------------------


@login_required
@opens_for(keeps_county_figures)
def coverage(request: HttpRequest) -> HttpResponse:
    context = _common(request)
    org, flt = context["org"], context["flt"]
    if context["level"] == cards.STATION:
        raise Http404(_("Coverage is kept for counties and the city."))
    board = figures.cached_dashboard(request.user, org, flt)
    today = timezone.localdate()
    targets = visible_to(request.user, CoverageTarget.objects.all()).select_related("organization")
    context.update(
        {
            "board": board,
            "may_set_targets": actions.may_set_targets(request.user),
            "targets": targets.filter(year__gte=today.year - 1).order_by(
                "-year", "organization__path", "month"
            )[:50],
            "target_orgs": [o for o in context["org_choices"] if o.kind != OrgKind.MOBILE_BRANCH],
            "year": today.year,
            "scope_rows": [(label, board["by_scope"][key]) for key, label in _scope_labels()],
        }
    )
    return render(request, "analytics/coverage.html", context)


def _scope_labels() -> list[tuple[str, str]]:
    from liudong.members.models import FlowScope

    return [(s.value, str(s.label)) for s in FlowScope] + [(figures.INFLOW_KEY, _("Inflow"))]


@login_required
@require_POST
def target_set(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    if not actions.may_set_targets(request.user):
        raise PermissionDenied
    with acting(request, success=_("Target saved.")) as act:
        org = figures.organization_for(request.user, request.POST.get("organization", ""))
        actions.set_coverage_target(
            by=request.user,
            organization=org,
            year=request.POST.get("year"),
            month=request.POST.get("month") or None,
            in_province=request.POST.get("in_province", ""),
            out_of_province=request.POST.get("out_of_province", ""),
            note=request.POST.get("note", ""),
        )
    if act.ok:
        figures.bump_version()
    return redirect(reverse("analytics:coverage") + "#targets")


@login_required
@require_POST
@shows(CoverageTarget)
def target_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    target = get_visible_or_404(request.user, CoverageTarget.objects.all(), pk=pk)
    with acting(request, success=_("Target removed.")) as act:
        actions.delete_coverage_target(by=request.user, target=target)
    if act.ok:
        figures.bump_version()
    return redirect(reverse("analytics:coverage") + "#targets")


# --- trends -------------------------------------------------------------------------------


@login_required
def trends(request: HttpRequest) -> HttpResponse:
    context = _common(request)
    data = figures.trend(request.user, context["org"])
    context.update({"trend": data, "has_demo": any(p["demo"] for p in data["points"])})
    return render(request, "analytics/trends.html", context)


# --- reports ------------------------------------------------------------------------------


@xlsx.download
@login_required
@opens_for(keeps_county_figures)
def report(request: HttpRequest) -> HttpResponse:
    context = _common(request)
    org = context["org"]
    if context["level"] == cards.STATION:
        raise Http404(_("Reports are kept for counties and the city."))
    month_param = request.GET.get("month", "")
    error, status = "", 200
    result = None
    try:
        year, month = reports.parse_month(month_param)
        result = reports.monthly_report(request.user, org, year, month)
    except DomainError as exc:
        error = exc.message
        status = 400 if exc.code in ("bad_month", "month_in_future") else 200
    if result is not None and request.GET.get("format") == "xlsx":
        name = f"statistics-{org.code}-{result.year}-{result.month:02d}.xlsx"
        return xlsx.response(reports.to_xlsx(result), name)
    today = timezone.localdate()
    months = []
    day = today.replace(day=1)
    for _i in range(13):
        months.append(f"{day.year}-{day.month:02d}")
        day = (day - timezone.timedelta(days=1)).replace(day=1)
    context.update(
        {
            "report": result,
            "error": error,
            "columns": reports.column_labels(),
            "months": months,
            "month": month_param or months[0],
        }
    )
    return render(request, "analytics/report.html", context, status=status)
