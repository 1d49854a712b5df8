"""The station's work on a request: accept (assign), notes, referral, resolve, refuse."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.assistance import notify
from liudong.assistance.actions.common import (
    locked,
    require_station_side,
    require_status,
    required_text,
)
from liudong.assistance.models import RequestNote, RequestStatus, ServiceRequest
from liudong.core import audit
from liudong.core.errors import DomainError
from liudong.core.scope import CHANGE, may, user_of

S = RequestStatus
WORKING = (S.ACCEPTED, S.IN_PROGRESS)


def _check_assignee(request: ServiceRequest, assignee: Any) -> None:
    staff = getattr(assignee, "is_staff_role", False) or getattr(assignee, "is_superuser", False)
    if not (assignee is not None and getattr(assignee, "is_active", False) and staff):
        raise DomainError("invalid_assignee", _("Choose a staff member."), "assigned_to")
    if not may(assignee, request, CHANGE):
        raise DomainError(
            "assignee_not_station_side",
            _("%(name)s does not work for this station.")
            % {"name": assignee.display_name or assignee.username},
            "assigned_to",
        )


@transaction.atomic
def accept_request(*, by: Any, request: ServiceRequest, assignee: Any = None) -> ServiceRequest:
    """The station takes the request on and names who handles it (the acting user if none)."""
    request = locked(request)
    require_station_side(by, request)
    require_status(request, S.SUBMITTED)
    assignee = assignee if assignee is not None else user_of(by)
    _check_assignee(request, assignee)
    with audit.action("service_request.accept", actor=by):
        request.status = S.ACCEPTED
        request.assigned_to = assignee
        request.accepted_at = timezone.now()
        request.save()
        notify.assigned(request, by=by)
    return request


def _start(request: ServiceRequest) -> None:
    if request.status == S.ACCEPTED:
        request.status = S.IN_PROGRESS
        request.started_at = timezone.now()


@transaction.atomic
def add_note(*, by: Any, request: ServiceRequest, text: str) -> RequestNote:
    """A note of the work done; the first one puts the request in progress."""
    request = locked(request)
    require_station_side(by, request)
    require_status(request, *WORKING)
    text = required_text(text, "text", _("Write the note."), 2000)
    with audit.action("service_request.note", actor=by):
        _start(request)
        request.save()
        return RequestNote.objects.create(request=request, text=text, author=user_of(by))


@transaction.atomic
def refer_request(
    *, by: Any, request: ServiceRequest, partner: str, note: str = ""
) -> ServiceRequest:
    """Hand the matter to a named partner (a legal aid office, a job centre); the request
    stays the station's until it is resolved."""
    request = locked(request)
    require_station_side(by, request)
    require_status(request, *WORKING)
    partner = required_text(
        partner, "referral_partner", _("Name the partner the request goes to."), 120
    )
    with audit.action("service_request.refer", actor=by, reason=partner):
        _start(request)
        request.referral_partner = partner
        request.referred_at = timezone.now()
        request.save()
        text = _("Referred to %(partner)s.") % {"partner": partner}
        if (note or "").strip():
            text = f"{text} {note.strip()[:1800]}"
        RequestNote.objects.create(request=request, text=text, author=user_of(by))
    return request


@transaction.atomic
def resolve_request(*, by: Any, request: ServiceRequest, outcome: str) -> ServiceRequest:
    """The matter is settled: the outcome is what the member and the home side read."""
    request = locked(request)
    require_station_side(by, request)
    require_status(request, *WORKING)
    outcome = required_text(outcome, "outcome", _("Say how the request was settled."), 500)
    with audit.action("service_request.resolve", actor=by):
        request.status = S.RESOLVED
        request.outcome = outcome
        request.resolved_at = timezone.now()
        request.save()
        notify.resolved(request, by=by)
    return request


@transaction.atomic
def refuse_request(*, by: Any, request: ServiceRequest, reason: str) -> ServiceRequest:
    """The station cannot help; the reason is shown to the member and the home side."""
    request = locked(request)
    require_station_side(by, request)
    require_status(request, S.SUBMITTED, *WORKING)
    reason = required_text(
        reason, "refusal_reason", _("Say why, for the member and their home branch."), 300
    )
    with audit.action("service_request.refuse", actor=by, reason=reason):
        request.status = S.REFUSED
        request.refusal_reason = reason
        request.refused_at = timezone.now()
        request.save()
    return request
