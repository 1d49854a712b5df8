"""The member's phone pages: one-click check-in (by QR link or nearest station), the
check-in's state, cancel and check-out. Light pages: no framework CSS, no script but the
few lines that ask the browser for its location."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liudong.accounts import member_pages
from liudong.core import idempotency
from liudong.core.acting import acting
from liudong.core.decorators import shows
from liudong.core.errors import DomainError
from liudong.core.scope import get_visible_or_404
from liudong.members import work
from liudong.stations import actions, queries
from liudong.stations.forms import OwnFlowForm
from liudong.stations.models import CheckIn, CheckInMethod, Station, StationStatus


def _member_gate(request: HttpRequest) -> HttpResponse | None:
    return member_pages.members_only(
        request,
        _(
            "Check-in is for members: sign out and sign in with a member's phone. "
            "Staff confirm check-ins on the station's pages."
        ),
    )


def _point(request: HttpRequest) -> tuple[float, float] | None:
    return queries.parse_point(request.GET.get("lng"), request.GET.get("lat"))


def _context(request: HttpRequest) -> dict[str, Any]:
    member = work.member_of(request.user)
    flow = work.open_flow_of(member) if member else None
    return {
        "member": member,
        "flow": flow,
        "active": queries.active_check_in(member) if member else None,
    }


@require_http_methods(["GET"])
def nearby(request: HttpRequest) -> HttpResponse:
    """Pick a station: nearest to the shared location, else near the record's destination."""
    gate = _member_gate(request)
    if gate is not None:
        return gate
    context = _context(request)
    point = _point(request)
    located = request.GET.get("located", "")
    if point is not None:
        stations = queries.nearest_stations(*point)
        basis = "location"
    elif context["flow"] is not None:
        stations = queries.stations_near_place(context["flow"].destination_place)
        basis = "place"
    else:
        stations = queries.nearest_stations(106.665, 35.543)  # Pingliang, until we know more
        basis = "none"
    form = OwnFlowForm()
    context.update(
        {
            "stations": stations,
            "basis": basis,
            "location_denied": located == "denied",
            "form": form,
            "point": point,
        }
    )
    return render(request, "stations/m_nearby.html", context)


def _distance(request: HttpRequest, station: Station) -> float | None:
    point = _point(request)
    if point is None:
        return None
    return queries.haversine_km(point[0], point[1], station.lng, station.lat)


@require_http_methods(["GET", "POST"])
def station_page(request: HttpRequest, token: str) -> HttpResponse:
    """What the station's QR code opens: the station, the distance, one big button."""
    station = queries.station_by_token(token)
    if station is None:
        return render(
            request,
            "m_message.html",
            {
                "title": _("Unknown station"),
                "message": _(
                    "This code does not belong to any station, or the station printed a new "
                    "one. Scan the poster at the station again, or pick a station near you."
                ),
            },
            status=404,
        )
    gate = _member_gate(request)
    if gate is not None:
        return gate
    context = _context(request)
    context.update(
        {
            "station": station,
            "closed": station.status != StationStatus.OPEN,
            "distance_km": _distance(request, station),
            "form": OwnFlowForm(request.POST or None) if context["flow"] is None else None,
        }
    )
    if request.method == "POST":
        return _check_in_here(request, station, context)
    return render(request, "stations/m_station.html", context)


def _check_in_here(request: HttpRequest, station: Station, context: dict[str, Any]) -> Any:
    method = request.POST.get("method", CheckInMethod.QR)
    distance = queries.parse_point(request.POST.get("lng"), request.POST.get("lat"))
    km = queries.haversine_km(*distance, station.lng, station.lat) if distance else None

    def show(exc: DomainError) -> None:  # under the field, else in the page's own error line
        form = context.get("form")
        if form is not None and exc.field in getattr(form, "fields", {}):
            form.add_error(exc.field, exc.message)
        else:
            context["error"] = exc.message

    with acting(request, show=show) as act:
        if context["flow"] is None:
            form = context["form"]
            if not form.is_valid():
                return render(request, "stations/m_station.html", context, status=400)
            actions.register_own_flow(by=request.user, station=station, **form.values())
        check_in, created = actions.request_check_in(
            by=request.user,
            station=station,
            method=method,
            distance_km=km,
            idempotency_key=idempotency.key_of(request),
        )
    if not act.ok:
        return render(request, "stations/m_station.html", context, status=400)
    if not created and not idempotency.replayed(check_in):
        messages.info(request, _("You had already checked in here: this is that check-in."))
    return redirect("checkin:detail", pk=check_in.pk)


def _own(request: HttpRequest, pk: int) -> CheckIn:
    return get_visible_or_404(
        request.user,
        CheckIn.objects.select_related("station__place__parent", "station__branch", "flow"),
        pk=pk,
    )


@shows(CheckIn)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    gate = _member_gate(request)
    if gate is not None:
        return gate
    check_in = _own(request, pk)
    return render(request, "stations/m_check_in.html", {"check_in": check_in})


@shows(CheckIn)
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    gate = _member_gate(request)
    if gate is not None:
        return gate
    check_in = _own(request, pk)
    with acting(request, success=_("Your check-in was withdrawn.")):
        actions.cancel_check_in(by=request.user, check_in=check_in)
    return redirect("checkin:detail", pk=check_in.pk)


@shows(CheckIn)
@require_POST
def check_out(request: HttpRequest, pk: int) -> HttpResponse:
    gate = _member_gate(request)
    if gate is not None:
        return gate
    check_in = _own(request, pk)
    with acting(request, success=_("You checked out. Welcome home!")):
        actions.check_out(by=request.user, check_in=check_in)
    return redirect("checkin:detail", pk=check_in.pk)
