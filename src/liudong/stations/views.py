"""Station pages for staff: the stations in scope, a station's page with its QR poster and
branch, and the check-ins to confirm or refuse. Actions apply the rules."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liudong.core.acting import acting
from liudong.core.decorators import shows
from liudong.core.paging import paginate
from liudong.core.scope import CHANGE, get_visible_or_404, may, visible_to
from liudong.orgs.models import Organization
from liudong.stations import actions, poster, queries
from liudong.stations.forms import EstablishForm, RefuseForm
from liudong.stations.models import CheckIn, CheckInStatus, Station


def _staff(request: HttpRequest) -> None:
    user = request.user
    if not (user.is_superuser or user.is_staff_role):
        raise PermissionDenied


def checkin_url(request: HttpRequest, station: Station) -> str:
    """The absolute link the station's QR code opens."""
    return request.build_absolute_uri(reverse("checkin:station", args=[station.qr_token]))


@login_required
def station_list(request: HttpRequest) -> HttpResponse:
    _staff(request)
    stations = queries.stations_for(request.user)
    context = {
        "stations": stations,
        "pending_total": sum(s.pending for s in stations),
        "may_open": request.user.can("orgs.manage"),
    }
    return render(request, "stations/station_list.html", context)


def _station(request: HttpRequest, pk: int) -> Station:
    _staff(request)
    return get_visible_or_404(
        request.user,
        Station.objects.select_related("organization", "branch", "place__parent"),
        pk=pk,
    )


@login_required
@shows(Station)
def station_detail(request: HttpRequest, pk: int) -> HttpResponse:
    station = _station(request, pk)
    from liudong.accounts.models import Role, User
    from liudong.codes import queries as codes

    pending = list(queries.pending_for_station_side(request.user).filter(station=station))
    recent = list(
        queries.check_ins(request.user)
        .filter(station=station)
        .exclude(status=CheckInStatus.PENDING)
        .order_by("-requested_at", "-id")[:10]
    )
    services = dict(codes.choices("service_kind"))
    context: dict[str, Any] = {
        "station": station,
        "pending": pending,
        "recent": recent,
        "staff": User.objects.filter(
            organization=station.branch_id, role=Role.STATION_STAFF, is_active=True
        ).order_by("username")
        if station.branch_id
        else [],
        "services": [services.get(code, code) for code in station.services],
        "members": queries.members_of(request.user, station),
        "full_members": actions.full_members_of_branch(station),
        "minimum": actions.BRANCH_MINIMUM_FULL_MEMBERS,
        "checkin_url": checkin_url(request, station),
        "qr_svg": poster.qr_svg(checkin_url(request, station)),
        "may_answer": bool(pending) and queries.may_answer(request.user, pending[0]),
        "may_change": may(request.user, station, CHANGE),
        "may_edit": may(request.user, station, CHANGE) or may(request.user, station, "staff"),
        "locations": list(station.locations.select_related("place__parent")),
    }
    return render(request, "stations/station_detail.html", context)


@login_required
@shows(Station)
def poster_svg(request: HttpRequest, pk: int) -> HttpResponse:
    station = _station(request, pk)
    response = HttpResponse(poster.svg(station, checkin_url(request, station)))
    response["Content-Type"] = "image/svg+xml; charset=utf-8"
    response["Content-Disposition"] = f'inline; filename="poster-{station.code}.svg"'
    return response


@login_required
@shows(Station)
def poster_png(request: HttpRequest, pk: int) -> HttpResponse:
    station = _station(request, pk)
    data, has_cjk = poster.png(station, checkin_url(request, station))
    response = HttpResponse(data, content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="poster-{station.code}.png"'
    response["X-Poster-Chinese-Text"] = "yes" if has_cjk else "no-font"
    return response


@login_required
@shows(Station)
@require_POST
def rotate_qr(request: HttpRequest, pk: int) -> HttpResponse:
    station = _station(request, pk)
    with acting(request, success=_("A new QR link was made: print the poster again.")):
        actions.rotate_qr_token(by=request.user, station=station)
    return redirect("stations:detail", pk=station.pk)


@login_required
@shows(Station)
@require_http_methods(["GET", "POST"])
def establish(request: HttpRequest, pk: int) -> HttpResponse:
    station = _station(request, pk)
    approvers = visible_to(
        request.user, Organization.objects.filter(kind__in=actions.APPROVING_KINDS)
    )
    if not may(request.user, station, CHANGE):  # the organization running the station
        raise PermissionDenied
    form = EstablishForm(
        request.POST or None,
        approvers=approvers,
        initial={"approved_by": station.organization_id, "approved_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        done = _("The mobile branch is recorded as established.")
        with acting(request, success=done, form=form) as act:
            actions.establish_branch(by=request.user, station=station, **form.cleaned_data)
        if act.ok:
            return redirect("stations:detail", pk=station.pk)
    context = {
        "station": station,
        "form": form,
        "full_members": actions.full_members_of_branch(station),
        "minimum": actions.BRANCH_MINIMUM_FULL_MEMBERS,
    }
    return render(request, "stations/establish.html", context)


# --- check-ins --------------------------------------------------------------------------


@login_required
def check_in_list(request: HttpRequest) -> HttpResponse:
    """To answer (the station's side) first; then every check-in in scope by status."""
    _staff(request)
    status = request.GET.get("status", "")
    rows = queries.check_ins(request.user).order_by("-requested_at", "-id")
    if status in CheckInStatus.values:
        rows = rows.filter(status=status)
    context = {
        "to_answer": list(queries.pending_for_station_side(request.user)[:100]),
        "status": status,
        "statuses": CheckInStatus.choices,
        **paginate(request, rows),
    }
    return render(request, "stations/check_in_list.html", context)


def _check_in(request: HttpRequest, pk: int) -> CheckIn:
    _staff(request)
    return get_visible_or_404(
        request.user, CheckIn.objects.select_related(*queries.CHECK_IN_RELATED), pk=pk
    )


def _back(request: HttpRequest, check_in: CheckIn) -> HttpResponse:
    target = request.POST.get("next", "")
    if target == "station":
        return redirect("stations:detail", pk=check_in.station_id)
    return redirect("stations:check_ins")


@login_required
@shows(CheckIn)
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    check_in = _check_in(request, pk)
    done = _("%(name)s is checked in and managed by the station.") % {"name": check_in.member.name}
    with acting(request, success=done):
        actions.confirm_check_in(by=request.user, check_in=check_in)
    return _back(request, check_in)


@login_required
@shows(CheckIn)
@require_http_methods(["GET", "POST"])
def refuse(request: HttpRequest, pk: int) -> HttpResponse:
    check_in = _check_in(request, pk)
    if not queries.may_answer(request.user, check_in):
        messages.error(request, _("This check-in is not yours to answer, or already answered."))
        return redirect("stations:check_ins")
    form = RefuseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _("The check-in was refused; the member sees why.")
        with acting(request, success=done, form=form) as act:
            actions.refuse_check_in(
                by=request.user, check_in=check_in, reason=form.cleaned_data["reason"]
            )
        if act.ok:
            return _back(request, check_in)
    return render(request, "stations/refuse.html", {"check_in": check_in, "form": form})
