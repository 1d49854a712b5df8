"""Transfers of membership (组织关系转接): start one from a member's page; the transfers page
lists incoming and outgoing transfers with accept, refuse and "letter received" buttons.

Pages validate input; :mod:`liudong.members.actions` applies the rules (decision 98).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from liudong.core.acting import acting
from liudong.core.decorators import shows
from liudong.core.paging import paginate
from liudong.core.scope import CHANGE, get_visible_or_404, may
from liudong.members import actions, transfers, work
from liudong.members.forms import OrganizationChoiceField
from liudong.members.models import Handoff, Member, Transfer
from liudong.members.views_work import StyledForm, _next_or, member_url
from liudong.orgs.models import BRANCH_KINDS, Organization

PAGE_SIZE = 15


class TransferForm(StyledForm):
    within_city = forms.TypedChoiceField(
        label=gettext_lazy("Where to"),
        choices=[
            ("1", gettext_lazy("An organization in the city")),
            ("0", gettext_lazy("An organization outside the city")),
        ],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    to_organization = OrganizationChoiceField(
        label=gettext_lazy("Receiving branch"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=gettext_lazy("It accepts or refuses the transfer on its to-do list."),
    )
    to_organization_name = forms.CharField(
        label=gettext_lazy("Receiving organization (outside the city)"),
        max_length=120,
        required=False,
    )
    letter_number = forms.CharField(
        label=gettext_lazy("Introduction letter number"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("介绍信编号; required for a transfer outside the city."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200, required=False)

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_organization"].queryset = (
            Organization.objects.filter(active=True, kind__in=BRANCH_KINDS)
            .exclude(pk=member.home_organization_id)
            .order_by("path")
        )

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        if data["within_city"]:
            return {"to_organization": data["to_organization"], "reason": data["reason"]}
        return {
            "to_organization": None,
            "to_organization_name": data["to_organization_name"],
            "letter_number": data["letter_number"],
            "reason": data["reason"],
        }


class NoteForm(StyledForm):
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RefuseForm(StyledForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason for refusing"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Say why you refuse, for the sender.")},
        help_text=gettext_lazy("The sender sees it on the transfers page."),
    )


class DismissForm(StyledForm):
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Write a note: why the matter is closed.")},
        help_text=gettext_lazy("Kept with the hand-off; it leaves your to-do list."),
    )


def _staff_only(request: HttpRequest) -> None:
    if not work.is_staff(request.user):
        raise PermissionDenied


def _transfer(request: HttpRequest, pk: int) -> Transfer:
    return get_visible_or_404(
        request.user,
        Transfer.objects.select_related(
            "member", "from_organization", "to_organization", "created_by", "resolved_by"
        ),
        pk=pk,
    )


@shows(Member)
@login_required
@require_http_methods(["GET", "POST"])
def transfer_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The home side sends the member's membership to another organization."""
    _staff_only(request)
    member = get_visible_or_404(
        request.user, Member.objects.select_related("home_organization"), pk=pk
    )
    if not may(request.user, member, CHANGE):
        raise PermissionDenied  # a transfer is sent by the member's home side
    form = TransferForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        with acting(request, form=form, fields={"member": None, "state": None}) as act:
            transfer = actions.start_transfer(by=request.user, member=member, **form.values())
            act.success = _("Transfer sent to %(org)s.") % {"org": transfer.receiver_label}
        if act.ok:
            return redirect(member_url(member.pk))
    context = {
        "form": form,
        "member": member,
        "pending": transfers.pending_for(request.user, member),
    }
    return render(request, "members/transfer_form.html", context)


@login_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    """转接: what waits for my side, then all incoming and outgoing transfers."""
    _staff_only(request)
    user = request.user
    context: dict[str, Any] = {
        "to_receive": list(transfers.to_receive(user)),
        "letters": list(transfers.letters_to_confirm(user)),
        "refused": list(transfers.refused(user)),
    }
    for name in ("incoming", "outgoing"):
        paged = paginate(request, getattr(transfers, name)(user), PAGE_SIZE, param=f"{name}_page")
        context[name] = paged["object_list"]
        context[f"{name}_pager"] = paged
    return render(request, "members/transfer_list.html", context)


@shows(Transfer)
@login_required
def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    transfer = _transfer(request, pk)
    context = {
        "transfer": transfer,
        "may_receive": actions.may_receive(request.user, transfer),
        "may_confirm": actions.may_confirm(request.user, transfer),
        "member_visible": may(request.user, transfer.member),
        "refuse_form": RefuseForm(),
        "note_form": NoteForm(),
    }
    return render(request, "members/transfer_detail.html", context)


def _act(request: HttpRequest, pk: int, form_class: type[StyledForm], run: Any, done: str) -> Any:
    _staff_only(request)
    transfer = _transfer(request, pk)
    form = form_class(request.POST)
    back = _next_or(request, reverse("members:transfers"))
    if form.is_valid():
        with acting(request, success=done, form=form) as act:
            run(transfer, form.cleaned_data)
        if act.ok:
            return redirect(back)
    context = {
        "transfer": transfer,
        "may_receive": actions.may_receive(request.user, transfer),
        "may_confirm": actions.may_confirm(request.user, transfer),
        "member_visible": may(request.user, transfer.member),
        "refuse_form": form if form_class is RefuseForm else RefuseForm(),
        "note_form": form if form_class is NoteForm else NoteForm(),
        "errors": [e for errors in form.errors.values() for e in errors],
    }
    return render(request, "members/transfer_detail.html", context, status=400)


@shows(Transfer)
@login_required
@require_http_methods(["POST"])
def transfer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        NoteForm,
        lambda t, d: actions.accept_transfer(by=request.user, transfer=t, note=d["note"]),
        _("Transfer accepted: the membership is now held by your side."),
    )


@shows(Transfer)
@login_required
@require_http_methods(["POST"])
def transfer_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        RefuseForm,
        lambda t, d: actions.refuse_transfer(by=request.user, transfer=t, reason=d["reason"]),
        _("Transfer refused; it went back to the sender with your reason."),
    )


@shows(Transfer)
@login_required
@require_http_methods(["POST"])
def transfer_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        NoteForm,
        lambda t, d: actions.confirm_letter(by=request.user, transfer=t, note=d["note"]),
        _("Letter receipt confirmed; the transfer is closed."),
    )


# --- a refused hand-off dismissed by its sender (issue 12, item 10) ---------------------------


@shows(Handoff)
@login_required
@require_http_methods(["GET", "POST"])
def handoff_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    handoff = get_visible_or_404(
        request.user,
        Handoff.objects.select_related(
            "flow__member", "from_organization", "to_organization", "resolved_by"
        ),
        pk=pk,
    )
    form = DismissForm(request.POST or None)
    back = _next_or(request, reverse("members:todo"))
    if request.method == "POST" and form.is_valid():
        done = _("Hand-off dismissed; it left your to-do list.")
        with acting(request, success=done, form=form) as act:
            actions.dismiss_handoff(
                by=request.user, handoff=handoff, note=form.cleaned_data["note"]
            )
        if act.ok:
            return redirect(back)
    context = {
        "form": form,
        "handoff": handoff,
        "may_dismiss": actions.may_dismiss(request.user, handoff),
        "back": back,
        "member_url": member_url(handoff.flow.member_id),
    }
    return render(request, "members/handoff_dismiss.html", context)
