"""Station pages for service requests: the open ones by deadline, a request with its
workflow buttons, a request opened on a member's behalf, and attachments through the gate."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liudong.assistance import actions, queries
from liudong.assistance.forms import (
    AcceptForm,
    FileForm,
    NoteForm,
    ReferForm,
    RefuseForm,
    RequestForm,
    ResolveForm,
)
from liudong.assistance.models import RequestAttachment, RequestStatus, ServiceRequest
from liudong.core import uploads
from liudong.core.acting import acting
from liudong.core.decorators import opens_for, shows
from liudong.core.errors import DomainError
from liudong.core.paging import paginate
from liudong.core.scope import CHANGE, get_visible_or_404, may, restrict
from liudong.members.models import Member
from liudong.stations.models import Station, StationStatus


def is_staff(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_superuser or getattr(user, "is_staff_role", False))
    )


@login_required
@opens_for(is_staff)
def request_list(request: HttpRequest) -> HttpResponse:
    open_rows = list(queries.open_by_deadline(request.user)[:200])
    status = request.GET.get("status", "")
    rows = queries.requests(request.user).order_by("-submitted_at", "-id")
    if status in RequestStatus.values:
        rows = rows.filter(status=status)
    context: dict[str, Any] = {
        "open_rows": open_rows,
        "overdue_ids": set(
            queries.overdue(queries.worked_by(request.user))
            .filter(pk__in=[r.pk for r in open_rows])
            .values_list("pk", flat=True)
        ),
        "escalated": [r for r in open_rows if r.escalated],
        "statuses": RequestStatus.choices,
        "status": status,
        "missing_years": queries.calendar_warning(*[r.due for r in open_rows]),
        **paginate(request, rows),
    }
    return render(request, "assistance/request_list.html", context)


def _request(request: HttpRequest, pk: int) -> ServiceRequest:
    if not is_staff(request.user):
        raise Http404(_("This page is not kept for your role."))
    return get_visible_or_404(request.user, queries.requests(request.user), pk=pk)


def _detail_context(request: HttpRequest, obj: ServiceRequest, **forms: Any) -> dict[str, Any]:
    user = request.user
    may_work = may(user, obj, CHANGE)
    may_read = actions.may_read_text(user, obj)
    if may_read:
        actions.record_read(user, obj)
    staff = list(queries.staff_of_station(obj)) if may_work else []
    return {
        "obj": obj,
        "kind_label": queries.kind_labels().get(obj.kind, obj.kind),
        "may_work": may_work,
        "may_read": may_read,
        "notes": list(obj.notes.select_related("author")) if may_read else [],
        "attachments": list(obj.attachments.all()) if may_read else [],
        "accept_form": forms.get("accept")
        or AcceptForm(staff=staff, initial={"assigned_to": user.pk}),
        "note_form": forms.get("note") or NoteForm(),
        "refer_form": forms.get("refer") or ReferForm(),
        "resolve_form": forms.get("resolve") or ResolveForm(),
        "refuse_form": forms.get("refuse") or RefuseForm(),
        "file_form": forms.get("file") or FileForm(),
        "missing_years": queries.calendar_warning(obj.accept_by, obj.resolve_by),
        "overdue": queries.overdue(ServiceRequest.objects.filter(pk=obj.pk)).exists(),
    }


@login_required
@shows(ServiceRequest)
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _request(request, pk)
    return render(request, "assistance/request_detail.html", _detail_context(request, obj))


def _step(
    request: HttpRequest, pk: int, form_key: str, form: Any, run: Any, success: str
) -> HttpResponse:
    obj = _request(request, pk)

    def show(exc: DomainError) -> None:
        # Under the field when the form has it; otherwise (a step out of order, whose form
        # the page no longer shows) as a message at the top.
        if exc.field in form.fields:
            form.add_error(exc.field, exc.message)
        else:
            messages.error(request, exc.message)

    if form.is_valid():
        with acting(request, success=success, show=show) as act:
            run(obj, form.cleaned_data)
        if act.ok:
            return redirect("assistance:detail", pk=obj.pk)
    obj.refresh_from_db()
    context = _detail_context(request, obj, **{form_key: form})
    return render(request, "assistance/request_detail.html", context, status=400)


@login_required
@shows(ServiceRequest)
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _request(request, pk)
    staff = list(queries.staff_of_station(obj))
    form = AcceptForm(request.POST, staff=staff)
    users = {u.pk: u for u in staff}

    def run(o: ServiceRequest, data: dict[str, Any]) -> None:
        actions.accept_request(by=request.user, request=o, assignee=users.get(data["assigned_to"]))

    return _step(request, pk, "accept", form, run, _("The request was accepted."))


@login_required
@shows(ServiceRequest)
@require_POST
def note(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "note",
        NoteForm(request.POST),
        lambda o, d: actions.add_note(by=request.user, request=o, text=d["text"]),
        _("The note was added."),
    )


@login_required
@shows(ServiceRequest)
@require_POST
def refer(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "refer",
        ReferForm(request.POST),
        lambda o, d: actions.refer_request(
            by=request.user, request=o, partner=d["referral_partner"], note=d["note"]
        ),
        _("The referral was recorded."),
    )


@login_required
@shows(ServiceRequest)
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "resolve",
        ResolveForm(request.POST),
        lambda o, d: actions.resolve_request(by=request.user, request=o, outcome=d["outcome"]),
        _("The request was resolved."),
    )


@login_required
@shows(ServiceRequest)
@require_POST
def refuse(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "refuse",
        RefuseForm(request.POST),
        lambda o, d: actions.refuse_request(by=request.user, request=o, reason=d["refusal_reason"]),
        _("The request was refused."),
    )


@login_required
@shows(ServiceRequest)
@require_POST
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "file",
        FileForm(request.POST, request.FILES),
        lambda o, d: actions.attach(by=request.user, request=o, upload=d["file"]),
        _("The file was added."),
    )


@login_required
@shows(RequestAttachment)
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """A file of a request, for whoever may read the request's text (else not found)."""
    found = get_visible_or_404(
        request.user,
        RequestAttachment.objects.select_related(
            "request__member", "request__station__branch", "request__station__organization"
        ),
        pk=pk,
    )
    if not actions.open_attachment(request.user, found):
        raise Http404(_("Not found, or not within your organization's scope."))
    try:
        return uploads.response(found.stored_as, name=found.name, content_type=found.content_type)
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(_("The file is no longer kept.")) from exc


@login_required
@opens_for(is_staff)
@require_http_methods(["GET", "POST"])
def new_for_member(request: HttpRequest) -> HttpResponse:
    """Staff open a request on a member's behalf (the member came to the station)."""
    member_pk = request.GET.get("member") or request.POST.get("member")
    try:
        member = get_visible_or_404(request.user, Member.objects.all(), pk=int(member_pk or ""))
    except ValueError as exc:
        raise Http404(_("Choose the member from their page first.")) from exc
    stations = list(
        restrict(request.user, Station.objects.filter(status=StationStatus.OPEN), "staff")
    )
    if not stations:
        raise PermissionDenied
    form = RequestForm(
        request.POST or None,
        request.FILES or None,
        stations=stations,
        kinds=actions.kind_choices(),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        station = next(s for s in stations if s.pk == data["station"])
        with acting(request, success=_("The request was opened."), form=form) as act:
            created, _new = actions.submit_request(
                by=request.user,
                member=member,
                station=station,
                kind=data["kind"],
                description=data["description"],
                share_with_home=data["share_with_home"],
                files=[data["file"]] if data.get("file") else [],
            )
        if act.ok:
            return redirect("assistance:detail", pk=created.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "assistance/request_new.html", {"form": form, "member": member}, status=status
    )
