"""Ledger pages: the four ledgers, all members, a member's page and forms, the export.

Pages validate input; :mod:`liudong.members.actions` applies the rules. A refusal by an
action (a :class:`~liudong.core.errors.DomainError`) is shown under the field concerned.
Every object is looked up through the scope gate; members (role "member") get 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from liudong.codes import queries as codes
from liudong.core import pii, xlsx
from liudong.core.acting import acting, show_on_form
from liudong.core.decorators import shows
from liudong.core.errors import DomainError
from liudong.core.paging import paginate
from liudong.core.scope import CHANGE, can_see, get_visible_or_404, may, visible_to
from liudong.members import actions, escalation, export, queries, search
from liudong.members.filters import (
    FLOW_DEFAULT_SORT,
    FLOW_SORTS,
    MEMBER_DEFAULT_SORT,
    MEMBER_SORTS,
    LedgerFilter,
)
from liudong.members.forms import FlowForm, MemberForm, TransitionForm
from liudong.members.models import OPEN_STATUSES, Direction, FlowRecord, FlowStatus, Member
from liudong.members.overdue import overdue_days
from liudong.members.panels import panels_for
from liudong.regions.models import Level, Place

# --- helpers ------------------------------------------------------------------------------


def _staff_only(request: HttpRequest) -> None:
    user = request.user
    if not (user.is_superuser or user.is_staff_role):
        raise PermissionDenied


def _posted(request: HttpRequest) -> Any:
    """The POST data for a form, bound even when empty (``request.POST or None`` is not)."""
    return request.POST if request.method == "POST" else None


def status_tag(status: str | None) -> str:
    """The tag colour of a status: green managed, red lost, grey closed."""
    if status == FlowStatus.MANAGED:
        return "ld-tag-green"
    if status == FlowStatus.LOST:
        return "ld-tag-red"
    if status in (FlowStatus.RETURNED, FlowStatus.TRANSFERRED, FlowStatus.SUSPENDED):
        return "ld-tag-grey"
    return ""


def _decorate(flows: Iterable[FlowRecord]) -> list[FlowRecord]:
    """Labels and tags the rows show, computed in Python (no query per row); the contact
    overdue mark comes with the query (``contact_overdue``: ``overdue.with_overdue``)."""
    rows = list(flows)
    for flow in rows:
        flow.reason_label = codes.label("flow_reason", flow.reason)
        flow.tag_class = status_tag(flow.status)
    return rows


@dataclass(frozen=True)
class Column:
    label: Any
    sort: str = ""
    css: str = ""


def _columns(columns: list[Column], flt: LedgerFilter, current: str) -> list[dict[str, Any]]:
    out = []
    for column in columns:
        entry: dict[str, Any] = {"label": column.label, "css": column.css}
        if column.sort:
            active = current.removeprefix("-") == column.sort
            descending = active and current.startswith("-")
            wanted = column.sort if (not active or descending) else f"-{column.sort}"
            entry.update(
                {
                    "url": "?" + flt.querystring(sort=wanted),
                    "active": active,
                    "descending": descending,
                }
            )
        out.append(entry)
    return out


def _page_filter(request: HttpRequest) -> tuple[LedgerFilter, str]:
    """The page's filter (a search token resolved) and the message of a refused one."""
    try:
        return search.page_filter(request), ""
    except DomainError as exc:
        return replace(LedgerFilter.from_params(request.GET), q=""), exc.message


def _current_sort(flt: LedgerFilter, sorts: dict[str, Any], default: str) -> str:
    return flt.sort if flt.sort.removeprefix("-") in sorts else default


# --- the four ledgers ------------------------------------------------------------------------

OUTFLOW_COLUMNS = [
    Column(pgettext_lazy("person", "Name"), "name"),
    Column(gettext_lazy("ID number")),
    Column(gettext_lazy("Mobile phone")),
    Column(gettext_lazy("Home branch"), "home"),
    Column(gettext_lazy("Where to"), "destination"),
    Column(gettext_lazy("Employer or address")),
    Column(gettext_lazy("Reason"), "reason"),
    Column(gettext_lazy("Left on"), "left_on"),
    Column(gettext_lazy("Before departure")),  # talk and activity certificate (issue 12, 6)
    Column(gettext_lazy("Station"), "station"),
    Column(gettext_lazy("Status"), "status"),
    Column(gettext_lazy("Last contact"), "last_contact"),
    Column("", css="text-end"),
]
INFLOW_COLUMNS = [
    Column(pgettext_lazy("person", "Name"), "name"),
    Column(gettext_lazy("ID number")),
    Column(gettext_lazy("Mobile phone")),
    Column(gettext_lazy("Home organization"), "home"),
    Column(gettext_lazy("Where from"), "origin"),
    Column(gettext_lazy("Received by"), "station"),
    Column(gettext_lazy("Employer or address")),
    Column(gettext_lazy("Reason"), "reason"),
    Column(gettext_lazy("Arrived on"), "left_on"),
    Column(gettext_lazy("Status"), "status"),
    Column(gettext_lazy("Last contact"), "last_contact"),
    Column("", css="text-end"),
]

STATUS_FILTER = [
    ("", gettext_lazy("Open (all)")),
    *[(s.value, s.label) for s in OPEN_STATUSES],
    (FlowStatus.RETURNED.value, FlowStatus.RETURNED.label),
    (FlowStatus.TRANSFERRED.value, FlowStatus.TRANSFERRED.label),
    (FlowStatus.SUSPENDED.value, FlowStatus.SUSPENDED.label),
]


def _filter_choices(user: Any, flt: LedgerFilter) -> dict[str, Any]:
    """Options of the filter bar. Organizations come from the user's scope only."""
    provinces = Place.objects.filter(level=Level.PROVINCE).order_by("code")
    cities = (
        Place.objects.filter(level=Level.PREFECTURE, parent_id=flt.province).order_by("code")
        if flt.province
        else Place.objects.none()
    )
    counties = list(queries.county_choices(user))
    return {
        "counties": counties,
        "townships": list(queries.township_choices(user, flt.county)) if counties else [],
        "branches": list(queries.branch_choices(user, flt.township, flt.county)),
        "provinces": provinces,
        "cities": cities,
        "stations": queries.station_choices(),
        "reasons": queries.reason_choices(),
        "statuses": STATUS_FILTER,
    }


@login_required
def ledger(request: HttpRequest, ledger: str) -> HttpResponse:
    _staff_only(request)
    try:
        book = queries.get_ledger(ledger)
    except KeyError as exc:
        raise Http404(_("No such ledger.")) from exc
    if request.method == "POST":  # the search form: back to a URL without a full number
        return redirect(search.redirect_target(request))
    flt, error = _page_filter(request)
    try:
        rows = queries.ledger_rows(request.user, book, flt)
    except DomainError as exc:
        error, rows = exc.message, FlowRecord.objects.none()
    if error:
        rows = FlowRecord.objects.none()
    context = paginate(request, queries.TwoStepRows(rows))
    page = context["page"]
    page.object_list = _decorate(page.object_list)
    context["object_list"] = page.object_list
    sort = _current_sort(flt, FLOW_SORTS, FLOW_DEFAULT_SORT)
    context.update(
        {
            "ledger": book,
            "ledgers": queries.LEDGERS.values(),
            "flt": flt,
            "filter_error": error,
            "columns": _columns(INFLOW_COLUMNS if book.is_inflow else OUTFLOW_COLUMNS, flt, sort),
            "export_url": reverse("members:ledger_export", args=[book.key])
            + ("?" + flt.querystring() if flt.params() else ""),
            "overdue_days": overdue_days(),
            **_filter_choices(request.user, flt),
        }
    )
    return render(request, "members/ledger.html", context)


@xlsx.download
@login_required
@require_http_methods(["GET", "POST"])
def ledger_export(request: HttpRequest, ledger: str) -> HttpResponse:
    """The current view (filters in the URL) as .xlsx. Full numbers only by POST (CSRF),
    with the reveal right and the box ticked; every export is audited."""
    _staff_only(request)
    try:
        book = queries.get_ledger(ledger)
    except KeyError as exc:
        raise Http404(_("No such ledger.")) from exc
    want_full = request.method == "POST" and request.POST.get("full") in {"1", "on", "true"}
    flt, error = _page_filter(request)
    back = reverse(book.url_name) + ("?" + flt.querystring() if flt.params() else "")
    if error:
        messages.error(request, error)
        return redirect(back)
    try:
        with acting(request) as act:
            result = export.export_ledger(request.user, book, flt, want_full=want_full)
    except export.TooManyRows as exc:
        messages.error(
            request,
            _("%(count)s rows are too many for one file (at most %(limit)s): narrow the filters.")
            % {"count": exc.count, "limit": exc.limit},
        )
        return redirect(back)
    if not act.ok:
        return redirect(back)
    return xlsx.response(result.file, result.filename)


# --- all members ----------------------------------------------------------------------------

MEMBER_COLUMNS = [
    Column(pgettext_lazy("person", "Name"), "name"),
    Column(gettext_lazy("Sex")),
    Column(gettext_lazy("ID number")),
    Column(gettext_lazy("Mobile phone")),
    Column(gettext_lazy("Home organization"), "home"),
    Column(gettext_lazy("Joined the party"), "joined_on"),
    Column(gettext_lazy("Open flow record")),
    Column("", css="text-end"),
]
MEMBER_STATUS_FILTER = [
    ("", gettext_lazy("All")),
    *[(s.value, s.label) for s in OPEN_STATUSES],
    ("none", gettext_lazy("No open flow record")),
]


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    if request.method == "POST":  # the search form: back to a URL without a full number
        return redirect(search.redirect_target(request))
    flt, error = _page_filter(request)
    try:
        rows = queries.member_rows(request.user, flt)
    except DomainError as exc:
        error, rows = exc.message, Member.objects.none()
    if error:
        rows = Member.objects.none()
    context = paginate(request, queries.TwoStepRows(rows))
    page = context["page"]
    members = list(page.object_list)
    for member in members:
        status = getattr(member, "open_status", None)
        member.sex_label = codes.label("sex", member.sex)
        member.status_label = FlowStatus(status).label if status else ""
        member.tag_class = status_tag(status)
    page.object_list = members
    context["object_list"] = members
    sort = _current_sort(flt, MEMBER_SORTS, MEMBER_DEFAULT_SORT)
    counties = list(queries.county_choices(request.user))
    context.update(
        {
            "flt": flt,
            "filter_error": error,
            "columns": _columns(MEMBER_COLUMNS, flt, sort),
            "statuses": MEMBER_STATUS_FILTER,
            "counties": counties,
            "townships": list(queries.township_choices(request.user, flt.county))
            if counties
            else [],
            "branches": list(queries.branch_choices(request.user, flt.township, flt.county)),
        }
    )
    return render(request, "members/member_list.html", context)


# --- a member's page ------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """A lifecycle step offered on the member's page."""

    key: str
    label: Any
    icon: str
    run: Callable[..., FlowRecord]
    reason_required: bool = False
    with_station: bool = False
    danger: bool = False
    act: str = CHANGE  # what the gate must allow on the record (liudong.core.scope.may)


def _check_in(*, by: Any, flow: FlowRecord, on: Any, reason: str, org: Any) -> FlowRecord:
    return actions.check_in(by=by, flow=flow, inflow_organization=org, on=on, note=reason)


def _plain(action: Callable[..., FlowRecord]) -> Callable[..., FlowRecord]:
    def run(*, by: Any, flow: FlowRecord, on: Any, reason: str, org: Any) -> FlowRecord:
        return action(by=by, flow=flow, on=on, reason=reason)

    return run


STEPS: dict[str, Step] = {
    step.key: step
    for step in (
        Step(
            "check_in",
            gettext_lazy("Check in"),
            "box-arrow-in-right",
            _check_in,
            False,
            True,
            act="check_in",
        ),
        Step("found", gettext_lazy("Found again"), "person-check", _plain(actions.mark_found)),
        Step("returned", gettext_lazy("Returned"), "house-door", _plain(actions.mark_returned)),
        Step(
            "lost",
            gettext_lazy("Lost contact"),
            "question-circle",
            _plain(actions.mark_lost),
            True,
            danger=True,
        ),
        Step(
            "suspended",
            gettext_lazy("Suspend membership"),
            "slash-circle",
            _plain(actions.suspend_membership),
            True,
            danger=True,
        ),
    )
}


def step_for(target: str, flow: FlowRecord) -> Step | None:
    """The step a POSTed target means: a step key or the target status."""
    if target == "found" or (
        target in (FlowStatus.MANAGED, FlowStatus.REGISTERED) and flow.status == FlowStatus.LOST
    ):
        return STEPS["found"]
    if target in ("check_in", FlowStatus.MANAGED):
        return STEPS["check_in"]
    return STEPS.get(target)


def steps_allowed(flow: FlowRecord | None, user: Any = None) -> list[Step]:
    """The steps the record's status allows (``actions.TRANSITIONS``) and, given a user,
    that the gate lets them take (the lifecycle is the home side's)."""
    if flow is None or not flow.is_open:
        return []
    if user is not None:
        return [step for step in steps_allowed(flow) if may(user, flow, step.act)]
    allowed = actions.TRANSITIONS.get(flow.status, set())
    targets = {
        "check_in": FlowStatus.MANAGED in allowed and flow.status != FlowStatus.LOST,
        "found": flow.status == FlowStatus.LOST
        and bool(allowed & {FlowStatus.MANAGED, FlowStatus.REGISTERED}),
        "returned": FlowStatus.RETURNED in allowed,
        "lost": FlowStatus.LOST in allowed,
        "suspended": FlowStatus.SUSPENDED in allowed,
    }
    return [STEPS[key] for key, ok in targets.items() if ok]


def _step_form(request: HttpRequest, step: Step, data: Any = None) -> TransitionForm:
    return TransitionForm(
        data,
        user=request.user,
        target=step.key,
        with_station=step.with_station,
        reason_required=step.reason_required,
        auto_id=f"id_{step.key}_%s",
    )


MEMBER_RELATED = ("home_organization", "inflow_organization", "home_place__parent__parent")


@shows(Member)
@login_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    user = request.user
    member = get_visible_or_404(user, Member.objects.select_related(*MEMBER_RELATED), pk=pk)
    flows = _decorate(queries.member_flows(user, member))
    open_flow = next((f for f in flows if f.is_open), None)
    contacts = queries.flow_contacts(user, flows)
    handoffs = queries.flow_handoffs(user, flows)
    changes = queries.status_changes(user, flows)
    for change in changes:
        change["tag_class"] = status_tag(change["status"])
    steps = [
        {"step": step, "form": _step_form(request, step)} for step in steps_allowed(open_flow, user)
    ]
    context = {
        "member": member,
        "sex_label": codes.label("sex", member.sex),
        "ethnicity_label": codes.label("ethnicity", member.ethnicity),
        "education_label": codes.label("education", member.education),
        "open_flow": open_flow,
        "inflow_side": (open_flow.inflow_organization if open_flow else None)
        or member.inflow_organization,
        "flows": flows,
        "timeline": queries.timeline(flows, changes, contacts, handoffs),
        "contacts": contacts,
        "handoffs": handoffs,
        "steps": steps,
        "may_reveal": user.can("pii.reveal"),
        "may_change": may(user, member, CHANGE),
        "panels": panels_for(user, member),
    }
    return render(request, "members/member_detail.html", context)


@shows(Member)
@login_required
@require_POST
def member_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The full ID or phone number, for the htmx swap of the masked text; audited."""
    _staff_only(request)
    member = get_visible_or_404(request.user, Member.objects.all(), pk=pk)
    field = request.POST.get("field", "")
    if field not in ("id_number", "phone"):
        return HttpResponse(escape(_("Choose what to show.")), status=400)
    try:
        value = pii.reveal(request.user, member, field)
    except DomainError as exc:
        return HttpResponse(escape(exc.message), status=exc.status)
    return HttpResponse(escape(value or "—"))


# --- member forms ---------------------------------------------------------------------------


def _member_error(request: HttpRequest, form: MemberForm, exc: DomainError) -> None:
    """A refusal under its field; a duplicate ID number links the member when visible."""
    if exc.code == "id_number_exists":
        number = form.cleaned_data.get("id_number") or ""
        existing = actions.find_by_id_number(number) if number else None
        if existing is not None and can_see(request.user, existing):
            url = reverse("members:member_detail", args=[existing.pk])
            link = format_html('{} <a href="{}">{}</a>', exc.message, url, _("Open this member"))
            form.add_error("id_number", link)
            return
    show_on_form(form, exc, {"birth_date": "id_number"})


@login_required
def member_create(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    form = MemberForm(_posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        with acting(
            request, success=_("Member added."), show=lambda exc: _member_error(request, form, exc)
        ) as act:
            # A member from elsewhere belongs to no organization in the creator's scope
            # until an inflow record names one: refused rather than created unseen.
            member = actions.create_member(by=request.user, must_see=True, **form.changes())
        if act.ok:
            return redirect("members:member_detail", pk=member.pk)
    return render(request, "members/member_form.html", {"form": form, "creating": True})


@shows(Member)
@login_required
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    queryset = Member.objects.select_related(*MEMBER_RELATED)
    member = get_visible_or_404(request.user, queryset, pk=pk)
    if not may(request.user, member, CHANGE):
        raise PermissionDenied  # seen from the station side: master data is the home side's
    form = MemberForm(
        _posted(request),
        user=request.user,
        member=member,
        initial=MemberForm.initial_for(member),
    )
    if request.method == "POST" and form.is_valid():
        with acting(
            request, success=_("Changes saved."), show=lambda exc: _member_error(request, form, exc)
        ) as act:
            actions.update_member(by=request.user, member=member, **form.changes())
        if act.ok:
            return redirect("members:member_detail", pk=member.pk)
        member = queryset.get(pk=pk)  # the action changed the instance before refusing
    return render(request, "members/member_form.html", {"form": form, "member": member})


# --- flow records ---------------------------------------------------------------------------


@shows(Member)
@login_required
def flow_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Register a stay away (the five facts); one open record per member."""
    _staff_only(request)
    member = get_visible_or_404(request.user, Member.objects.select_related(*MEMBER_RELATED), pk=pk)
    if not may(request.user, member, CHANGE):
        raise PermissionDenied  # a stay away is registered by the home side
    open_flow = visible_to(request.user, member.flows.filter(is_open=True)).first()
    initial = {
        "direction": Direction.INFLOW if member.home_organization_id is None else Direction.OUTFLOW
    }
    form = FlowForm(_posted(request), user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {"member": None, "code": "destination_place"}
        with acting(request, success=_("Flow record registered."), form=form, fields=fields) as act:
            actions.register_flow(by=request.user, member=member, **form.values())
        if act.ok:
            return redirect("members:member_detail", pk=member.pk)
    context = {"form": form, "member": member, "open_flow": open_flow}
    return render(request, "members/flow_form.html", context)


@shows(FlowRecord)
@login_required
@require_http_methods(["GET", "POST"])
def flow_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """One lifecycle step (check in, returned, transferred, lost, found, suspended)."""
    _staff_only(request)
    flow = get_visible_or_404(
        request.user,
        FlowRecord.objects.select_related("member", "destination_place", "inflow_organization"),
        pk=pk,
    )
    target = (request.POST.get("target") or request.GET.get("target") or "").strip()
    if target == FlowStatus.TRANSFERRED:
        # A transfer of membership goes through the queue (decision 98): its own form.
        return redirect("members:transfer_create", flow.member_id)
    step = step_for(target, flow)
    if step is not None and not may(request.user, flow, step.act):
        raise PermissionDenied  # the lifecycle is the home side's; check-in is either side's
    data = request.POST if request.method == "POST" else None
    if step is not None:
        form = _step_form(request, step, data)
    else:
        form = TransitionForm(data, user=request.user, target=target)
    if request.method == "POST" and form.is_valid():
        if step is None:
            form.add_error(None, _("Choose what happened: check in, returned, transferred…"))
        else:
            done = _("Saved: %(step)s.") % {"step": step.label}
            with acting(request, success=done, form=form, fields={"status": None}) as act:
                step.run(
                    by=request.user,
                    flow=flow,
                    on=form.cleaned_data.get("on"),
                    reason=form.cleaned_data.get("reason") or "",
                    org=form.cleaned_data.get("inflow_organization"),
                )
            if act.ok:
                return redirect("members:member_detail", pk=flow.member_id)
    context = {
        "flow": flow,
        "member": flow.member,
        "step": step,
        "form": form,
        "status_label": flow.get_status_display(),
        "tag_class": status_tag(flow.status),
    }
    if step is not None and step.key == "suspended":  # the rule it rests on (issue 12, 7)
        context["suspension_rule"] = escalation.SUSPENSION_RULE
        context["suspension_source"] = escalation.SUSPENSION_RULE_SOURCE
    return render(request, "members/flow_transition.html", context)
