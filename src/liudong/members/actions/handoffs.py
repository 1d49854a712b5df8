"""Hand-offs between the two sides of a flow: raising and answering them."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import DomainError, PermissionDenied
from liudong.core.scope import CHANGE, may, scope_of, user_of
from liudong.members import notices
from liudong.members.actions._common import _open_record_for, _require_staff, _require_visible
from liudong.members.actions.contacts import _side_of
from liudong.members.models import (
    FlowRecord,
    Handoff,
    HandoffKind,
    HandoffState,
)
from liudong.orgs.models import Organization


@transaction.atomic
def raise_handoff(
    *,
    by: Any,
    flow: FlowRecord,
    kind: str,
    message: str = "",
    to_organization: Organization | None = None,
    from_organization: Organization | None = None,
) -> Handoff:
    """``from_organization``: the side the actor speaks for, when not the first of the
    record's sides in their scope (a county closing its station hands the station's
    records back: the station's branch is the sender)."""
    flow = _open_record_for(by, flow, "handoff")
    if kind not in HandoffKind.values:
        raise DomainError("kind_invalid", _("Choose what you ask for."), "kind")
    sender = _side_of(by, flow)
    if from_organization is not None:
        sides = {org.pk for org in flow.sides()}
        if from_organization.pk not in sides or not scope_of(by).covers_path(
            from_organization.path
        ):
            raise DomainError(
                "sender_not_a_side",
                _("Hand work over only for a side of this record within your scope."),
                "from_organization",
            )
        sender = from_organization
    if to_organization is None:
        other = [o for o in flow.sides() if o.pk != sender.pk]
        if not other:
            raise DomainError(
                "no_other_side",
                _("This record has no other side to hand work to yet."),
                "to_organization",
            )
        to_organization = other[0]
    handoff = Handoff(
        flow=flow,
        kind=kind,
        message=message.strip()[:500],
        from_organization=sender,
        to_organization=to_organization,
        created_by=user_of(by),
    )
    with audit.action("handoff.raise", actor=by):
        handoff.save()
    notices.handoff_raised(handoff, by=by)
    return handoff


def _why_not_answer(by: Any, handoff: Handoff) -> DomainError | None:
    """The one rule for answering a hand-off: the receiving side, not its sender, once."""
    if not may(by, handoff, "answer"):
        return PermissionDenied("not_recipient", _("Only the receiving side can answer this."))
    if by.pk is not None and handoff.created_by_id == by.pk:
        return PermissionDenied("own_handoff", _("You cannot answer your own hand-off."))
    if handoff.state != HandoffState.OPEN:
        return DomainError("handoff_not_open", _("This hand-off is already answered."), "state")
    return None


def may_answer(by: Any, handoff: Handoff) -> bool:
    """Whether pages should offer the answer buttons (the same rule the actions apply)."""
    return _why_not_answer(by, handoff) is None


def _receiving(by: Any, handoff: Handoff) -> None:
    _require_staff(by)
    refusal = _why_not_answer(by, handoff)
    if refusal is not None:
        raise refusal


@transaction.atomic
def complete_handoff(*, by: Any, handoff: Handoff, response: str = "") -> Handoff:
    handoff = Handoff.objects.select_for_update().get(pk=handoff.pk)
    _receiving(by, handoff)
    handoff.state, handoff.response = HandoffState.DONE, response.strip()[:500]
    handoff.resolved_by, handoff.resolved_at = user_of(by), timezone.now()
    with audit.action("handoff.done", actor=by):
        handoff.save()
    return handoff


@transaction.atomic
def refuse_handoff(*, by: Any, handoff: Handoff, reason: str) -> Handoff:
    """A refusal needs a reason and goes back to the sender's to-do list."""
    handoff = Handoff.objects.select_for_update().get(pk=handoff.pk)
    _receiving(by, handoff)
    if not reason.strip():
        raise DomainError("reason_required", _("Say why you refuse, for the sender."), "reason")
    handoff.state, handoff.response = HandoffState.REFUSED, reason.strip()[:500]
    handoff.resolved_by, handoff.resolved_at = user_of(by), timezone.now()
    with audit.action("handoff.refuse", actor=by, reason=reason):
        handoff.save()
    notices.handoff_refused(handoff, by=by)
    return handoff


def _why_not_dismiss(by: Any, handoff: Handoff) -> DomainError | None:
    if not may(by, handoff, CHANGE):
        return PermissionDenied(
            "not_sender", _("Only the side that sent this hand-off can dismiss it.")
        )
    if handoff.state != HandoffState.REFUSED:
        return DomainError(
            "handoff_not_refused", _("Only a refused hand-off can be dismissed."), "state"
        )
    if handoff.dismissed_at is not None:
        return DomainError("handoff_dismissed", _("This hand-off is already dismissed."), "state")
    return None


def may_dismiss(by: Any, handoff: Handoff) -> bool:
    """Whether pages offer "dismiss" on a refused hand-off (the rule the action applies)."""
    return _why_not_dismiss(by, handoff) is None


@transaction.atomic
def dismiss_handoff(*, by: Any, handoff: Handoff, note: str) -> Handoff:
    """The sender closes a refused hand-off with a note (issue 12, item 10): it leaves the
    sender's to-do list and bell; the refusal and the note stay on the record."""
    _require_staff(by)
    _require_visible(by, handoff)
    handoff = Handoff.objects.select_for_update().get(pk=handoff.pk)
    refusal = _why_not_dismiss(by, handoff)
    if refusal is not None:
        raise refusal
    if not note.strip():
        raise DomainError("note_required", _("Write a note: why the matter is closed."), "note")
    handoff.dismissed_at, handoff.dismissed_by = timezone.now(), user_of(by)
    handoff.dismissal_note = note.strip()[:500]
    with audit.action("handoff.dismiss", actor=by, reason=note):
        handoff.save()
    return handoff
