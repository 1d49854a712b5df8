"""Pages that run a station: open one, edit, relocate, suspend, reopen, close, open a
planned one, assign staff. The actions apply the rules; these pages shape the input."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from liudong.core.acting import acting
from liudong.core.decorators import shows
from liudong.core.scope import CHANGE, may, visible_to
from liudong.orgs.models import Organization
from liudong.stations import actions
from liudong.stations.closing import reasons_not_to_close
from liudong.stations.forms import (
    RelocateForm,
    StaffForm,
    StationFactsForm,
    StationOpenForm,
    StatusForm,
)
from liudong.stations.models import Station, StationStatus
from liudong.stations.views import _station


def _data(request: HttpRequest) -> Any:
    """The posted form (bound even when empty: a step whose fields are all optional)."""
    return request.POST if request.method == "POST" else None


def may_open_stations(user: Any) -> bool:
    """Whether the page offers "Open a station" (the action checks again)."""
    return bool(getattr(user, "is_authenticated", False) and user.can("orgs.manage"))


def _running_organizations(user: Any) -> Any:
    return visible_to(
        user, Organization.objects.filter(kind__in=actions.APPROVING_KINDS, active=True)
    ).order_by("path")


def _form_page(request: HttpRequest, title: str, form: Any, **context: Any) -> HttpResponse:
    return render(request, "stations/station_form.html", {"title": title, "form": form, **context})


@login_required
@require_http_methods(["GET", "POST"])
def station_open(request: HttpRequest) -> HttpResponse:
    if not may_open_stations(request.user):
        raise PermissionDenied
    organizations = _running_organizations(request.user)
    form = StationOpenForm(
        _data(request),
        organizations=organizations,
        initial={"organization": organizations.first(), "services": []},
    )
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        organization, place = values.pop("organization"), values.pop("place")
        with acting(request, success=_("The station is open."), form=form) as act:
            station = actions.create_station(
                by=request.user, organization=organization, place=place, **values
            )
        if act.ok:
            return redirect("stations:detail", pk=station.pk)
    return _form_page(request, _("Open a station"), form, map_pick=True)


def _require_change(request: HttpRequest, station: Station) -> None:
    if not may(request.user, station, CHANGE):
        raise PermissionDenied


@login_required
@shows(Station)
@require_http_methods(["GET", "POST"])
def station_edit(request: HttpRequest, pk: int) -> HttpResponse:
    station = _station(request, pk)
    if may(request.user, station, CHANGE):
        only = actions.EDITABLE_FIELDS
    elif may(request.user, station, "staff"):
        only = actions.STAFF_EDITABLE_FIELDS
    else:
        raise PermissionDenied
    initial = {name: getattr(station, name) for name in only}
    form = StationFactsForm(_data(request), only=only, initial=initial)
    if request.method == "POST" and form.is_valid():
        with acting(request, success=_("The station is changed."), form=form) as act:
            actions.update_station(by=request.user, station=station, **form.cleaned_data)
        if act.ok:
            return redirect("stations:detail", pk=station.pk)
    return _form_page(request, _("Change the station"), form, station=station)


@login_required
@shows(Station)
@require_http_methods(["GET", "POST"])
def station_relocate(request: HttpRequest, pk: int) -> HttpResponse:
    station = _station(request, pk)
    _require_change(request, station)
    form = RelocateForm(_data(request), initial={"place": station.place})
    if request.method == "POST" and form.is_valid():
        with acting(request, success=_("The station's new address is recorded."), form=form) as act:
            actions.relocate_station(by=request.user, station=station, **form.cleaned_data)
        if act.ok:
            return redirect("stations:detail", pk=station.pk)
    return _form_page(request, _("Move the station"), form, station=station, map_pick=True)


STEPS: dict[str, tuple[Any, Any, Any]] = {
    # step: (title, button, message on success)
    "suspend": (
        gettext_lazy("Suspend the station"),
        gettext_lazy("Suspend"),
        gettext_lazy("The station is suspended: it takes no check-ins until it reopens."),
    ),
    "reopen": (
        gettext_lazy("Reopen the station"),
        gettext_lazy("Reopen"),
        gettext_lazy("The station is open again."),
    ),
    "close": (
        gettext_lazy("Close the station"),
        gettext_lazy("Close for good"),
        gettext_lazy("The station is closed; its members were handed back to their home sides."),
    ),
    "open_planned": (
        gettext_lazy("Open the planned station"),
        gettext_lazy("Open"),
        gettext_lazy("The station is open."),
    ),
}


def _run_step(request: HttpRequest, station: Station, step: str, form: StatusForm) -> None:
    values = form.cleaned_data
    by, on, reason = request.user, values.get("on"), values.get("reason") or ""
    if step == "suspend":
        actions.suspend_station(by=by, station=station, reason=reason, on=on)
    elif step == "reopen":
        actions.reopen_station(by=by, station=station, reason=reason, on=on)
    elif step == "close":
        actions.close_station(by=by, station=station, reason=reason, on=on)
    else:
        actions.open_planned_station(by=by, station=station, on=on)


@login_required
@shows(Station)
@require_http_methods(["GET", "POST"])
def station_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    station = _station(request, pk)
    _require_change(request, station)
    title, button, done = STEPS[step]
    form = StatusForm(_data(request))
    if step == "open_planned":
        del form.fields["reason"]
    if request.method == "POST" and form.is_valid():
        with acting(request, success=str(done), form=form) as act:
            _run_step(request, station, step, form)
        if act.ok:
            return redirect("stations:detail", pk=station.pk)
    context: dict[str, Any] = {"station": station, "button": button, "step": step}
    if step == "close" and station.status != StationStatus.CLOSED:
        from liudong.stations.queries import members_of

        # After a refused POST the refusal says the same above the form.
        context["blocking"] = reasons_not_to_close(station) if request.method == "GET" else []
        context["handing_back"] = members_of(request.user, station).attached
    return _form_page(request, str(title), form, **context)


@login_required
@shows(Station)
@require_http_methods(["GET", "POST"])
def station_staff(request: HttpRequest, pk: int) -> HttpResponse:
    from liudong.accounts.models import Role, User

    station = _station(request, pk)
    _require_change(request, station)
    users = visible_to(
        request.user,
        User.objects.filter(
            role__in=(Role.STATION_STAFF, Role.BRANCH_SECRETARY), is_active=True
        ).exclude(organization=station.branch_id),
    ).order_by("username")
    form = StaffForm(_data(request), users=users)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        with acting(request, success=_("The account now works for the station."), form=form) as act:
            actions.assign_staff(
                by=request.user,
                station=station,
                user=values.get("user"),
                username=values.get("username") or "",
                display_name=values.get("display_name") or "",
                password=values.get("password") or None,
            )
        if act.ok:
            return redirect("stations:detail", pk=station.pk)
    return _form_page(request, _("Assign staff"), form, station=station)
