"""Daily work on the ledger: contacts, hand-offs between the two sides, alerts, the to-do list.

Pages validate input; :mod:`liudong.members.actions` applies the rules. A refusal by an
action (a :class:`~liudong.core.errors.DomainError`) is shown under the field concerned.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from liudong.core.acting import acting
from liudong.core.decorators import shows
from liudong.core.paging import paginate
from liudong.core.scope import get_visible_or_404
from liudong.members import actions, work
from liudong.members.models import (
    Alert,
    AlertKind,
    ContactMethod,
    FlowRecord,
    Handoff,
    HandoffKind,
)
from liudong.members.transfers import todo as transfers_todo

FLOW_RELATED = (
    "member",
    "destination_place__parent",
    "home_organization",
    "inflow_organization",
)


# --- forms --------------------------------------------------------------------------------


def _style(form: forms.Form) -> None:
    for f in form.fields.values():
        if isinstance(f.widget, forms.RadioSelect):
            continue
        css = "form-select" if isinstance(f.widget, forms.Select) else "form-control"
        f.widget.attrs.setdefault("class", css)


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self._errors or {}:
            attrs = self.fields[name].widget.attrs if name in self.fields else None
            if attrs is not None and "is-invalid" not in attrs.get("class", ""):
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"


class ContactForm(StyledForm):
    contacted_on = forms.DateField(
        label=gettext_lazy("Date"),
        # An HTML date input reads and writes ISO dates, whatever the page's language.
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    method = forms.ChoiceField(label=gettext_lazy("How"), choices=ContactMethod.choices)
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What was said or agreed; no ID numbers or phone numbers."),
    )


class HandoffForm(StyledForm):
    kind = forms.ChoiceField(label=gettext_lazy("What you ask for"), choices=HandoffKind.choices)
    message = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    to_organization = forms.TypedChoiceField(
        label=gettext_lazy("Send to"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, sides: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_organization"]
        field.choices = [(org.pk, org.name) for org in sides] or [
            ("", _("No other side yet (the member has not checked in anywhere)"))
        ]
        field.help_text = _("The other side of the record (co-management).")
        self.sides = {org.pk: org for org in sides}

    def clean_to_organization(self) -> Any:
        pk = self.cleaned_data.get("to_organization")
        return self.sides.get(pk) if pk is not None else None


class HandoffDoneForm(StyledForm):
    response = forms.CharField(
        label=gettext_lazy("Reply"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What was done, for the side that asked."),
    )


class HandoffRefuseForm(StyledForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason for refusing"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Say why you refuse, for the sender.")},
        help_text=gettext_lazy("The sender sees it in their to-do list."),
    )


class AlertResolveForm(StyledForm):
    note = forms.CharField(
        label=gettext_lazy("What was done"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Write what was done.")},
    )


# --- helpers ------------------------------------------------------------------------------


def _staff_only(request: HttpRequest) -> None:
    if not work.is_staff(request.user):
        raise PermissionDenied


def member_url(member_pk: int) -> str:
    """The member's page (built with the ledger pages); the to-do list until it exists."""
    try:
        return reverse("members:member_detail", args=[member_pk])
    except NoReverseMatch:
        return reverse("members:todo")


def _next_or(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _flow(request: HttpRequest, pk: int) -> FlowRecord:
    return get_visible_or_404(request.user, FlowRecord.objects.select_related(*FLOW_RELATED), pk=pk)


# --- contacts -----------------------------------------------------------------------------


@shows(FlowRecord)
@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a contact with the member; either side of the record may."""
    _staff_only(request)
    flow = _flow(request, pk)
    form = ContactForm(
        request.POST or None,
        initial={"contacted_on": timezone.localdate(), "method": ContactMethod.PHONE},
    )
    form.fields["contacted_on"].widget.attrs.update(
        {"min": flow.left_on.isoformat(), "max": timezone.localdate().isoformat()}
    )
    back = _next_or(request, member_url(flow.member_id))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with acting(request, success=_("Contact logged."), form=form) as act:
            actions.log_contact(
                by=request.user,
                flow=flow,
                method=data["method"],
                on=data["contacted_on"],
                note=data["note"],
            )
        if act.ok:
            return redirect(back)
    context = {"form": form, "flow": flow, "side": work.side_of(request.user, flow), "back": back}
    return render(request, "members/work_contact_form.html", context)


# --- hand-offs ----------------------------------------------------------------------------


@shows(FlowRecord)
@login_required
@require_http_methods(["GET", "POST"])
def handoff_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand work to the other side of the record (双向共管)."""
    _staff_only(request)
    flow = _flow(request, pk)
    sides = work.other_sides(request.user, flow)
    initial = {"to_organization": sides[0].pk if sides else None}
    if request.GET.get("kind") in HandoffKind.values:
        initial["kind"] = request.GET["kind"]
    form = HandoffForm(request.POST or None, sides=sides, initial=initial)
    back = _next_or(request, member_url(flow.member_id))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with acting(request, form=form) as act:
            handoff = actions.raise_handoff(
                by=request.user,
                flow=flow,
                kind=data["kind"],
                message=data["message"],
                to_organization=data["to_organization"],
            )
            act.success = _("Hand-off sent to %(org)s.") % {"org": handoff.to_organization}
        if act.ok:
            return redirect(back)
    context = {
        "form": form,
        "flow": flow,
        "side": work.side_of(request.user, flow),
        "back": back,
    }
    return render(request, "members/work_handoff_form.html", context)


def _handoff(request: HttpRequest, pk: int) -> Handoff:
    return get_visible_or_404(
        request.user,
        Handoff.objects.select_related(
            "flow__member",
            "flow__destination_place__parent",
            "from_organization",
            "to_organization",
            "created_by",
            "resolved_by",
        ),
        pk=pk,
    )


def _answer(
    request: HttpRequest, pk: int, form_class: type[StyledForm], field: str, action: Any, done: str
) -> HttpResponse:
    _staff_only(request)
    handoff = _handoff(request, pk)
    form = form_class(request.POST or None)
    back = _next_or(request, reverse("members:todo"))
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data[field]
        with acting(request, success=done, form=form) as act:
            action(by=request.user, handoff=handoff, **{field: text})
        if act.ok:
            return redirect(back)
    context = {
        "form": form,
        "handoff": handoff,
        "refusing": form_class is HandoffRefuseForm,
        "may_answer": work.may_answer(request.user, handoff),
        "back": back,
        "member_url": member_url(handoff.flow.member_id),
    }
    return render(request, "members/work_handoff_answer.html", context)


@shows(Handoff)
@login_required
@require_http_methods(["GET", "POST"])
def handoff_done(request: HttpRequest, pk: int) -> HttpResponse:
    """The receiving side marks the hand-off done, with a reply."""
    return _answer(
        request,
        pk,
        HandoffDoneForm,
        "response",
        actions.complete_handoff,
        _("Hand-off marked done; the sender sees your reply."),
    )


@shows(Handoff)
@login_required
@require_http_methods(["GET", "POST"])
def handoff_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    """The receiving side refuses, with a reason that goes back to the sender."""
    return _answer(
        request,
        pk,
        HandoffRefuseForm,
        "reason",
        actions.refuse_handoff,
        _("Hand-off refused; it went back to the sender with your reason."),
    )


# --- alerts -------------------------------------------------------------------------------


@shows(Alert)
@login_required
@require_http_methods(["GET", "POST"])
def alert_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    alert = get_visible_or_404(
        request.user,
        Alert.objects.select_related(
            "flow__member", "flow__destination_place__parent", "organization", "escalated_to"
        ),
        pk=pk,
    )
    form = AlertResolveForm(request.POST or None)
    back = _next_or(request, reverse("members:todo"))
    if request.method == "POST" and form.is_valid():
        note = form.cleaned_data["note"]
        with acting(request, success=_("Alert resolved."), form=form) as act:
            actions.resolve_alert(by=request.user, alert=alert, note=note)
        if act.ok:
            return redirect(back)
    context = {
        "form": form,
        "alert": alert,
        "back": back,
        "member_url": member_url(alert.flow.member_id),
    }
    return render(request, "members/work_alert_resolve.html", context)


# --- the to-do list -----------------------------------------------------------------------

# Each section of the to-do page is a list of its own, paged by its own parameter: a county
# with hundreds of overdue contacts gets a page of a readable size, not all of them.
TODO_PAGE_SIZE = 15


@login_required
def todo(request: HttpRequest) -> HttpResponse:
    """What waits for the signed-in user: hand-offs to answer or rework, alerts by kind."""
    _staff_only(request)
    user = request.user
    kind = request.GET.get("alert_kind", "")
    if kind not in AlertKind.values:
        kind = ""
    by_kind = work.alerts_by_kind(user)
    alerts_page = paginate(request, work.open_alerts(user, kind), TODO_PAGE_SIZE)
    sections = {
        "to_answer": work.handoffs_to_answer(user),
        "to_rework": work.handoffs_to_rework(user),
        "waiting": work.handoffs_waiting(user),
        "answered": work.handoffs_answered_lately(user),
    }
    context: dict[str, Any] = {"counts": {"alerts": sum(n for _k, _l, n in by_kind)}}
    for name, rows in sections.items():
        paged = paginate(request, rows, TODO_PAGE_SIZE, param=f"{name}_page")
        context[name] = paged["object_list"]
        context[f"{name}_pager"] = paged
        context["counts"][name] = paged["page"].paginator.count
    context.update(transfers_todo(user))
    context.update(
        {
            "alerts_by_kind": by_kind,
            "alert_kind": kind,
            "recent_days": work.RECENT_DAYS,
            **alerts_page,
        }
    )
    return render(request, "members/todo.html", context)
