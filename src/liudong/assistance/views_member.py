"""The member's phone pages: open a request, see mine, add a file, rate a resolved one.
Light pages like the check-in's (mobile_base.html)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liudong.accounts import member_pages
from liudong.assistance import actions, queries
from liudong.assistance.forms import FileForm, RateForm, RequestForm
from liudong.assistance.models import ServiceRequest
from liudong.core import idempotency
from liudong.core.acting import acting
from liudong.core.decorators import shows
from liudong.core.scope import get_visible_or_404
from liudong.stations.models import Station, StationStatus


def _member_gate(request: HttpRequest) -> HttpResponse | None:
    return member_pages.members_only(
        request,
        _("These pages are for members. Staff work on requests in the station pages."),
    )


@require_http_methods(["GET"])
def my_requests(request: HttpRequest) -> HttpResponse:
    gate = _member_gate(request)
    if gate is not None:
        return gate
    rows = list(queries.mine(request.user)[:50])
    return render(request, "assistance/m_list.html", {"rows": rows})


def _stations(request: HttpRequest) -> list[Station]:
    """Open stations, the one the member checked in at first."""
    from liudong.members import work

    member = work.member_of(request.user)
    flow = work.open_flow_of(member) if member else None
    stations = list(Station.objects.filter(status=StationStatus.OPEN).order_by("code"))
    if flow is not None and flow.inflow_organization_id:
        stations.sort(key=lambda s: s.branch_id != flow.inflow_organization_id)
    return stations


@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest) -> HttpResponse:
    gate = _member_gate(request)
    if gate is not None:
        return gate
    stations = _stations(request)
    initial: dict[str, Any] = {}
    if request.GET.get("kind"):
        initial["kind"] = request.GET["kind"]
    form = RequestForm(
        request.POST or None,
        request.FILES or None,
        stations=stations,
        kinds=actions.kind_choices(),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        station = next(s for s in stations if s.pk == data["station"])
        with acting(request, success=_("Your request was sent to the station."), form=form) as act:
            created, _new = actions.submit_request(
                by=request.user,
                station=station,
                kind=data["kind"],
                description=data["description"],
                share_with_home=data["share_with_home"],
                files=[data["file"]] if data.get("file") else [],
                idempotency_key=idempotency.key_of(request),
            )
        if act.ok:
            return redirect("assistance_m:detail", pk=created.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "assistance/m_new.html", {"form": form}, status=status)


def _own(request: HttpRequest, pk: int) -> ServiceRequest:
    return get_visible_or_404(request.user, queries.mine(request.user), pk=pk)


def _render_detail(
    request: HttpRequest, obj: ServiceRequest, status: int = 200, **forms: Any
) -> HttpResponse:
    context = {
        "obj": obj,
        "kind_label": queries.kind_labels().get(obj.kind, obj.kind),
        "attachments": list(obj.attachments.all()),
        "rate_form": forms.get("rate") or RateForm(),
        "file_form": forms.get("file") or FileForm(),
    }
    return render(request, "assistance/m_detail.html", context, status=status)


@shows(ServiceRequest)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    gate = _member_gate(request)
    if gate is not None:
        return gate
    return _render_detail(request, _own(request, pk))


@shows(ServiceRequest)
@require_POST
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    gate = _member_gate(request)
    if gate is not None:
        return gate
    obj = _own(request, pk)
    form = RateForm(request.POST)
    if form.is_valid():
        with acting(request, success=_("Thank you for your rating.")) as act:
            actions.rate_request(
                by=request.user,
                request=obj,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["rating_comment"],
            )
        if act.ok:
            return redirect("assistance_m:detail", pk=obj.pk)
    obj.refresh_from_db()
    return _render_detail(request, obj, 400, rate=form)


@shows(ServiceRequest)
@require_POST
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    gate = _member_gate(request)
    if gate is not None:
        return gate
    obj = _own(request, pk)
    form = FileForm(request.POST, request.FILES)
    if form.is_valid():
        with acting(request, success=_("The file was added.")) as act:
            actions.attach(by=request.user, request=obj, upload=form.cleaned_data["file"])
        if act.ok:
            return redirect("assistance_m:detail", pk=obj.pk)
    return _render_detail(request, obj, 400, file=form)
