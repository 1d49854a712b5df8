"""Desktop pages of suggestions and leads: the county's and the department's list, one
suggestion with its steps (route, answer, approve or send back, adopt), a suggestion taken
at a station's meeting, the county's departments."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liudong.core import uploads
from liudong.core.acting import acting
from liudong.core.decorators import opens_for, shows
from liudong.core.paging import paginate
from liudong.core.roles import Role
from liudong.core.scope import CHANGE, get_visible_or_404, may
from liudong.members.models import Member
from liudong.voice import actions, queries
from liudong.voice.forms import (
    AdoptForm,
    AnswerForm,
    DepartmentForm,
    DepartmentRenameForm,
    DepartmentUserForm,
    FileForm,
    ReturnForm,
    RouteForm,
    StaffSuggestionForm,
)
from liudong.voice.models import (
    Department,
    Suggestion,
    SuggestionAttachment,
    SuggestionKind,
    SuggestionStatus,
    SuggestionTopic,
)


def is_staff(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_superuser or getattr(user, "is_staff_role", False))
    )


def staff_or_department(user: Any) -> bool:
    return is_staff(user) or (
        getattr(user, "is_authenticated", False) and user.role == Role.DEPARTMENT
    )


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_admin_role)


@login_required
@opens_for(staff_or_department)
def suggestion_list(request: HttpRequest) -> HttpResponse:
    rows = queries.suggestions(request.user)
    status = request.GET.get("status", "")
    topic = request.GET.get("topic", "")
    kind = request.GET.get("kind", "")
    if status in SuggestionStatus.values:
        rows = rows.filter(status=status)
    if topic in SuggestionTopic.values:
        rows = rows.filter(topic=topic)
    if kind in SuggestionKind.values:
        rows = rows.filter(kind=kind)
    context = {
        "statuses": SuggestionStatus.choices,
        "topics": SuggestionTopic.choices,
        "kinds": SuggestionKind.choices,
        "status": status,
        "topic": topic,
        "kind": kind,
        "is_department": request.user.role == Role.DEPARTMENT,
        "may_take": queries.works_at_a_station(request.user),
        **paginate(request, rows.order_by("-submitted_at", "-id")),
    }
    return render(request, "voice/suggestion_list.html", context)


def _suggestion(request: HttpRequest, pk: int) -> Suggestion:
    if not staff_or_department(request.user):
        raise Http404(_("This page is not kept for your role."))
    return get_visible_or_404(request.user, queries.suggestions(request.user), pk=pk)


def _detail_context(request: HttpRequest, obj: Suggestion, **forms: Any) -> dict[str, Any]:
    user = request.user
    county_side = may(user, obj, CHANGE)
    department = actions.in_department(user, obj)
    departments = list(queries.departments_of(obj.county)) if county_side else []
    return {
        "obj": obj,
        "county_side": county_side,
        "is_department": department,
        "answer_visible": actions.answer_visible(user, obj),
        # The department reads the suggestion, not who the member is (decision 138).
        "show_member": county_side,
        "attachments": list(obj.attachments.all()),
        "route_form": forms.get("route")
        or RouteForm(departments=departments, initial={"department": obj.department_id}),
        "answer_form": forms.get("answer") or AnswerForm(initial={"answer": obj.answer}),
        "return_form": forms.get("return") or ReturnForm(),
        "adopt_form": forms.get("adopt") or AdoptForm(),
        "has_departments": bool(departments),
    }


@login_required
@shows(Suggestion)
def suggestion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _suggestion(request, pk)
    return render(request, "voice/suggestion_detail.html", _detail_context(request, obj))


def _step(
    request: HttpRequest, pk: int, key: str, form: Any, run: Any, success: str
) -> HttpResponse:
    obj = _suggestion(request, pk)
    if form.is_valid():
        with acting(request, success=success, form=form) as act:
            run(obj, form.cleaned_data)
        if act.ok:
            return redirect("voice:suggestion", pk=obj.pk)
    obj.refresh_from_db()
    context = _detail_context(request, obj, **{key: form})
    return render(request, "voice/suggestion_detail.html", context, status=400)


@login_required
@shows(Suggestion)
@require_POST
def route(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _suggestion(request, pk)
    departments = {d.pk: d for d in queries.departments_of(obj.county)}
    form = RouteForm(request.POST, departments=list(departments.values()))
    return _step(
        request,
        pk,
        "route",
        form,
        lambda o, d: actions.route_suggestion(
            by=request.user, suggestion=o, department=departments.get(d["department"])
        ),
        _("The suggestion was routed."),
    )


@login_required
@shows(Suggestion)
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "answer",
        AnswerForm(request.POST),
        lambda o, d: actions.answer_suggestion(by=request.user, suggestion=o, answer=d["answer"]),
        _("The answer was sent to the county for approval."),
    )


@login_required
@shows(Suggestion)
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _suggestion(request, pk)
    with acting(request, success=_("The answer was approved: the member can read it now.")):
        actions.approve_answer(by=request.user, suggestion=obj)
    return redirect("voice:suggestion", pk=obj.pk)


@login_required
@shows(Suggestion)
@require_POST
def send_back(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "return",
        ReturnForm(request.POST),
        lambda o, d: actions.return_answer(by=request.user, suggestion=o, note=d["note"]),
        _("The answer was sent back to the department."),
    )


@login_required
@shows(Suggestion)
@require_POST
def adopt(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "adopt",
        AdoptForm(request.POST),
        lambda o, d: actions.adopt_suggestion(
            by=request.user, suggestion=o, result=d["adoption_result"]
        ),
        _("The suggestion was marked adopted."),
    )


@login_required
@shows(SuggestionAttachment)
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """A file of a suggestion, for whoever may see the suggestion."""
    found = get_visible_or_404(request.user, SuggestionAttachment.objects.all(), pk=pk)
    try:
        return uploads.response(found.stored_as, name=found.name, content_type=found.content_type)
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(_("The file is no longer kept.")) from exc


@login_required
@opens_for(is_staff)
@require_http_methods(["GET", "POST"])
def new_for_member(request: HttpRequest) -> HttpResponse:
    """Station staff write down a member's suggestion given at the station's meeting."""
    try:
        member_pk = int(request.GET.get("member") or request.POST.get("member") or "")
    except ValueError as exc:
        raise Http404(_("Choose the member from their page first.")) from exc
    member = get_visible_or_404(request.user, Member.objects.all(), pk=member_pk)
    stations = list(queries.stations_worked_by(request.user))
    if not stations:
        raise PermissionDenied
    form = StaffSuggestionForm(request.POST or None, request.FILES or None, stations=stations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        station = next(s for s in stations if s.pk == data["station"])
        with acting(
            request, success=_("The suggestion was sent to the home county."), form=form
        ) as act:
            actions.submit_suggestion(
                by=request.user,
                member=member,
                station=station,
                kind=data["kind"],
                topic=data["topic"],
                title=data["title"],
                text=data["text"],
                files=[data["file"]] if data.get("file") else [],
            )
        if act.ok:
            return redirect("members:member_detail", pk=member.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "voice/suggestion_new.html", {"form": form, "member": member}, status=status
    )


# --- the county's departments ---------------------------------------------------------------


@login_required
@opens_for(is_admin)
@require_http_methods(["GET", "POST"])
def departments(request: HttpRequest) -> HttpResponse:
    """The departments of the counties the administrator keeps, and their users."""
    counties = list(queries.counties_kept_by(request.user))
    rows = list(queries.departments(request.user).prefetch_related("memberships__user"))
    form = DepartmentForm(
        request.POST if request.POST.get("form") == "department" else None, counties=counties
    )
    user_form = DepartmentUserForm(
        request.POST if request.POST.get("form") == "user" else None,
        departments=[d for d in rows if d.active],
    )
    if request.method == "POST" and form.is_bound and form.is_valid():
        county = next(c for c in counties if c.pk == form.cleaned_data["county"])
        with acting(request, success=_("The department was added."), form=form) as act:
            actions.add_department(by=request.user, county=county, name=form.cleaned_data["name"])
        if act.ok:
            return redirect("voice:departments")
    if request.method == "POST" and user_form.is_bound and user_form.is_valid():
        data = user_form.cleaned_data
        department = next(d for d in rows if d.pk == data["department"])
        with acting(request, success=_("The account was created."), form=user_form) as act:
            actions.add_department_user(
                by=request.user,
                department=department,
                username=data["username"],
                display_name=data["display_name"],
                password=data["password"],
            )
        if act.ok:
            return redirect("voice:departments")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "voice/departments.html",
        {"rows": rows, "form": form, "user_form": user_form, "counties": counties},
        status=status,
    )


@login_required
@opens_for(is_admin)
@shows(Department)
@require_http_methods(["GET", "POST"])
def department(request: HttpRequest, pk: int) -> HttpResponse:
    """One department: rename it, deactivate it (no new suggestions are routed to it) or
    make it active again; the county's administrators only."""
    obj = get_visible_or_404(request.user, queries.departments(request.user), pk=pk)
    may_change = may(request.user, obj, CHANGE)
    step = request.POST.get("form")
    form = DepartmentRenameForm(
        request.POST if step == "rename" else None, initial={"name": obj.name}
    )
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        if step == "active":
            active = request.POST.get("active") == "1"
            done = _("The department is active.") if active else _("The department is inactive.")
            with acting(request, success=done) as act:
                actions.set_department_active(by=request.user, department=obj, active=active)
            return redirect("voice:department", pk=obj.pk)
        if form.is_valid():
            with acting(request, success=_("The department was renamed."), form=form) as act:
                actions.rename_department(
                    by=request.user, department=obj, name=form.cleaned_data["name"]
                )
            if act.ok:
                return redirect("voice:department", pk=obj.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "voice/department.html",
        {
            "obj": obj,
            "form": form,
            "may_change": may_change,
            "users": list(obj.memberships.select_related("user")),
        },
        status=status,
    )


@login_required
@shows(Suggestion)
@require_POST
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "file",
        FileForm(request.POST, request.FILES),
        lambda o, d: actions.attach(by=request.user, suggestion=o, upload=d["file"]),
        _("The file was added."),
    )
