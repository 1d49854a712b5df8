"""The statistics API: every figure the pages show, as JSON, through the same queries.

``?org=<code>`` picks the organization (default: the caller's own; the root for the city
administrator); out of scope is 404 ``org_not_found``. Figure filters: ``direction``,
``status``, ``reason``, ``period`` (``2024`` or ``2024-06``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from liudong.analytics import figures, reports
from liudong.analytics.models import CoverageTarget
from liudong.core.api import ScopedReadOnlyViewSet

ORG = OpenApiParameter("org", str, description="Organization code (default: your own).")
FILTERS = [
    ORG,
    OpenApiParameter("direction", str, enum=["outflow", "inflow"]),
    OpenApiParameter("status", str, enum=["registered", "managed", "lost"]),
    OpenApiParameter("reason", str, description="Code of the flow_reason code table."),
    OpenApiParameter("period", str, description="Stays begun in a year (2024) or month."),
]


def _context(request: Request) -> tuple[Any, figures.FigureFilter]:
    user = request.user
    if not (user.is_superuser or user.is_staff_role):
        raise PermissionDenied
    org = figures.organization_for(user, request.query_params.get("org", ""))
    return org, figures.FigureFilter.from_params(request.query_params)


def _provinces_from_dashboard(
    request: Request, org: Any, flt: figures.FigureFilter
) -> dict[str, Any]:
    """The country map's per-province counts are the dashboard's (outflow by destination
    province): read from its cached figures, so the map costs no query of its own."""
    both = figures.FigureFilter("", flt.status, flt.reason, flt.period)
    board = figures.cached_dashboard(request.user, org, both)
    areas = [{"code": code + "0000", **figures} for code, figures in board["by_province"].items()]
    return {"level": "province", "parent": "", "direction": "outflow", "areas": areas}


@extend_schema(parameters=FILTERS, responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
def dashboard(request: Request) -> Response:
    """Every figure of the dashboard: totals, coverage with targets, stations, alerts,
    the rows per organization (cached for a short time, like the page)."""
    org, flt = _context(request)
    return Response(figures.cached_dashboard(request.user, org, flt))


@extend_schema(
    parameters=[
        *FILTERS,
        OpenApiParameter("level", str, enum=["province", "prefecture", "county"]),
        OpenApiParameter("parent", str, description="The area drilled into (six digits)."),
    ],
    responses=OpenApiTypes.OBJECT,
)
@api_view(["GET"])
def distribution(request: Request) -> Response:
    """Open records by area of the map (destination for outflow, origin for inflow)."""
    from liudong.analytics.views import _root_place, ledger_url

    org, flt = _context(request)
    level = request.query_params.get("level", "province")
    parent = request.query_params.get("parent", "")
    if level not in ("province", "prefecture", "county") or (parent and not parent.isdigit()):
        level, parent = "province", ""

    def compute() -> dict[str, Any]:
        if level == "province" and not parent and flt.direction in ("", "outflow"):
            data = _provinces_from_dashboard(request, org, flt)
        else:
            data = figures.distribution(request.user, org, flt, level=level, parent=parent[:6])
        root_place = _root_place()
        direction = flt.direction or "outflow"
        for area in data["areas"]:
            area["ledger_url"] = ledger_url(org, direction, area["code"], root_place=root_place)
        return data

    return Response(
        figures.cached(request.user, ("distribution", org.pk, flt.params(), level, parent), compute)
    )


@extend_schema(parameters=[*FILTERS, OpenApiParameter("top", int)], responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
def flow_lines(request: Request) -> Response:
    """The migration view: the biggest flows home county → destination city."""
    org, flt = _context(request)
    try:
        top = max(1, min(200, int(request.query_params.get("top", 40))))
    except ValueError:
        top = 40
    return Response(
        figures.cached(
            request.user,
            ("lines", org.pk, flt.params(), top),
            lambda: figures.flow_lines(request.user, org, flt, top=top),
        )
    )


@extend_schema(parameters=[ORG], responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
def trends(request: Request) -> Response:
    """Coverage over time (daily snapshots) with the target lines."""
    org, _flt = _context(request)
    return Response(figures.trend(request.user, org))


@extend_schema(
    parameters=[ORG, OpenApiParameter("month", str, description="YYYY-MM (default: now).")],
    responses=OpenApiTypes.OBJECT,
)
@api_view(["GET"])
def report(request: Request) -> Response:
    """The monthly statistical report: rows, the totals row and the check of their sum."""
    org, _flt = _context(request)
    year, month = reports.parse_month(request.query_params.get("month", ""))
    return Response(reports.monthly_report(request.user, org, year, month).as_dict())


class CoverageTargetSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = CoverageTarget
        fields = ["id", "organization", "year", "month", "in_province", "out_of_province", "note"]


class CoverageTargetViewSet(ScopedReadOnlyViewSet):
    """Coverage targets in your scope (set by the city on the coverage page)."""

    queryset = CoverageTarget.objects.select_related("organization").order_by(
        "-year", "organization__path", "month"
    )
    serializer_class = CoverageTargetSerializer
