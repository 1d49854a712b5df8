"""Transfers of membership (组织关系转接) as a queue (issue 12, item 5; decision 98).

The member's home organization sends a transfer. Inside the city it names an organization
of the tree, which accepts (the member's home organization becomes the receiver, the open
flow record closes as transferred) or refuses with a reason (the transfer goes back to the
sender; the record stays open). Outside the city it names the receiving organization and
the introduction letter's number (介绍信编号), and the home side closes it by confirming
that the letter was received. One pending transfer per member; each step audited.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import DomainError, PermissionDenied
from liudong.core.scope import CHANGE, may, user_of
from liudong.members.actions._common import (
    TRANSITIONS,
    _require_may,
    _require_staff,
    _require_visible,
)
from liudong.members.actions.lifecycle import _transition
from liudong.members.actions.members import _apply_member_fields
from liudong.members.models import FlowRecord, FlowStatus, Member, Transfer, TransferState
from liudong.orgs.models import BRANCH_KINDS, Organization


def _open_flow(member: Member) -> FlowRecord | None:
    return FlowRecord.objects.select_for_update().filter(member=member, is_open=True).first()


def _check_flow_may_transfer(flow: FlowRecord | None) -> None:
    if flow is not None and FlowStatus.TRANSFERRED not in TRANSITIONS.get(flow.status, set()):
        raise DomainError(
            "transition_not_allowed",
            _("A record that is “%(current)s” cannot become “%(target)s”.")
            % {"current": flow.get_status_display(), "target": FlowStatus.TRANSFERRED.label},
            "status",
        )


@transaction.atomic
def start_transfer(
    *,
    by: Any,
    member: Member,
    to_organization: Organization | None = None,
    to_organization_name: str = "",
    letter_number: str = "",
    reason: str = "",
) -> Transfer:
    """The home side sends the member's membership to another organization."""
    _require_staff(by)
    _require_may(by, member, CHANGE)
    member = (
        Member.objects.select_for_update(of=("self",))
        .select_related("home_organization")
        .get(pk=member.pk)
    )
    if member.home_organization is None:
        raise DomainError(
            "no_home_organization",
            _("Only a member whose membership is held in the city can be transferred from here."),
            "member",
        )
    pending = member.transfers.filter(state=TransferState.PENDING).first()
    if pending is not None:
        raise DomainError(
            "transfer_pending",
            _("%(name)s already has a transfer awaiting an answer (to %(to)s).")
            % {"name": member.name, "to": pending.receiver_label},
            "member",
        )
    name, letter = to_organization_name.strip()[:120], letter_number.strip()[:40]
    if to_organization is not None:
        if not to_organization.active:
            raise DomainError(
                "organization_inactive",
                _("That organization is no longer active."),
                "to_organization",
            )
        if to_organization.kind not in BRANCH_KINDS:
            raise DomainError(
                "receiver_not_branch",
                _("A membership is held by a branch: choose a branch."),
                "to_organization",
            )
        if to_organization.pk == member.home_organization_id:
            raise DomainError(
                "transfer_to_same",
                _("The member's membership is already held there."),
                "to_organization",
            )
        name, letter = "", ""
    else:
        if not name:
            raise DomainError(
                "receiver_required",
                _(
                    "Choose the receiving organization in the city, or name the organization "
                    "outside the city."
                ),
                "to_organization_name",
            )
        if not letter:
            raise DomainError(
                "letter_number_required",
                _(
                    "A transfer outside the city needs the introduction letter's number "
                    "(介绍信编号)."
                ),
                "letter_number",
            )
    flow = _open_flow(member)
    _check_flow_may_transfer(flow)
    transfer = Transfer(
        member=member,
        flow=flow,
        from_organization=member.home_organization,
        to_organization=to_organization,
        to_organization_name=name,
        letter_number=letter,
        reason=reason.strip()[:200],
        created_by=user_of(by),
    )
    with audit.action("transfer.start", actor=by, reason=reason):
        transfer.save()
    return transfer


def _why_not_receive(by: Any, transfer: Transfer) -> DomainError | None:
    """The one rule for accepting or refusing: the receiving organization, not the sender
    itself, while the transfer is pending."""
    if not may(by, transfer, "receive"):
        return PermissionDenied(
            "not_receiver",
            _("Only the receiving organization can accept or refuse this transfer."),
        )
    if by.pk is not None and transfer.created_by_id == by.pk:
        return PermissionDenied("own_transfer", _("You cannot answer your own transfer."))
    return _not_pending(transfer)


def _not_pending(transfer: Transfer) -> DomainError | None:
    if transfer.state != TransferState.PENDING:
        return DomainError(
            "transfer_not_pending",
            _("This transfer is no longer pending: it is “%(state)s”.")
            % {"state": transfer.get_state_display()},
            "state",
        )
    return None


def may_receive(by: Any, transfer: Transfer) -> bool:
    """Whether pages offer accept and refuse (the same rule the actions apply)."""
    return _why_not_receive(by, transfer) is None


def may_confirm(by: Any, transfer: Transfer) -> bool:
    """Whether pages offer "letter received" (the same rule the action applies)."""
    return _why_not_confirm(by, transfer) is None


def _locked(transfer: Transfer) -> Transfer:
    return (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("member", "from_organization", "to_organization")
        .get(pk=transfer.pk)
    )


def _still_at_home(transfer: Transfer) -> Member:
    member = Member.objects.select_for_update().get(pk=transfer.member_id)
    if member.home_organization_id != transfer.from_organization_id:
        raise DomainError(
            "home_changed",
            _("The member's home organization changed after this transfer was sent."),
            "member",
        )
    return member


def _resolve(by: Any, transfer: Transfer, state: str, response: str, verb: str) -> Transfer:
    transfer.state, transfer.response = state, response.strip()[:500]
    transfer.resolved_by, transfer.resolved_at = user_of(by), timezone.now()
    with audit.action(verb, actor=by, reason=response):
        transfer.save()
    return transfer


def _close_record(by: Any, member: Member, reason: str) -> None:
    """The member's open stay, if any, closes as transferred (checked by the caller)."""
    flow = _open_flow(member)
    if flow is not None:
        _check_flow_may_transfer(flow)
        _transition(
            by, flow, FlowStatus.TRANSFERRED, on=None, reason=reason, verb="flow.transfer", act=None
        )


@transaction.atomic
def accept_transfer(*, by: Any, transfer: Transfer, note: str = "") -> Transfer:
    """The receiving organization takes the membership: the member's home organization
    becomes it, the open record closes as transferred."""
    _require_staff(by)
    _require_visible(by, transfer)
    transfer = _locked(transfer)
    refusal = _why_not_receive(by, transfer)
    if refusal is not None:
        raise refusal
    member = _still_at_home(transfer)
    receiver = transfer.to_organization
    _close_record(by, member, _("Transferred to %(org)s") % {"org": receiver})
    member = Member.objects.select_for_update().get(pk=member.pk)
    with audit.action("transfer.move", actor=by):
        _apply_member_fields(member, {"home_organization": receiver})
        member.save()
    return _resolve(by, transfer, TransferState.ACCEPTED, note, "transfer.accept")


@transaction.atomic
def refuse_transfer(*, by: Any, transfer: Transfer, reason: str) -> Transfer:
    """The receiving organization refuses, with a reason that goes back to the sender."""
    _require_staff(by)
    _require_visible(by, transfer)
    transfer = _locked(transfer)
    refusal = _why_not_receive(by, transfer)
    if refusal is not None:
        raise refusal
    if not reason.strip():
        raise DomainError("reason_required", _("Say why you refuse, for the sender."), "reason")
    return _resolve(by, transfer, TransferState.REFUSED, reason, "transfer.refuse")


def _why_not_confirm(by: Any, transfer: Transfer) -> DomainError | None:
    if not may(by, transfer, CHANGE):
        return PermissionDenied(
            "not_sender",
            _("Only the sending organization confirms that the letter was received."),
        )
    if transfer.within_city:
        return DomainError(
            "not_a_letter",
            _("A transfer inside the city closes when the receiving organization accepts it."),
            "state",
        )
    return _not_pending(transfer)


@transaction.atomic
def confirm_letter(*, by: Any, transfer: Transfer, note: str = "") -> Transfer:
    """Outside the city: the home side confirms the introduction letter was received; the
    open record closes as transferred. The member stays in the ledger, their stay closed."""
    _require_staff(by)
    _require_visible(by, transfer)
    transfer = _locked(transfer)
    refusal = _why_not_confirm(by, transfer)
    if refusal is not None:
        raise refusal
    member = _still_at_home(transfer)
    _close_record(
        by,
        member,
        _("Transferred to %(org)s, introduction letter %(letter)s")
        % {"org": transfer.to_organization_name, "letter": transfer.letter_number},
    )
    return _resolve(by, transfer, TransferState.CONFIRMED, note, "transfer.confirm")
