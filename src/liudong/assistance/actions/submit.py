"""Opening a request: by the member from the phone, or by staff on the member's behalf."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.assistance import deadlines
from liudong.assistance.actions.attachments import attach
from liudong.assistance.actions.common import not_found, required_text
from liudong.assistance.models import (
    ALWAYS_OFFERED,
    OPEN_STATUSES,
    REQUEST_KINDS,
    ServiceRequest,
)
from liudong.codes import queries as codes
from liudong.core import audit
from liudong.core.errors import DomainError, PermissionDenied
from liudong.core.scope import can_see, may, require_actor
from liudong.members.models import FlowRecord, Member
from liudong.stations.models import Station, StationStatus

DESCRIPTION_LIMIT = 2000
# The same text to the same station within this time is the same request (a double tap,
# a retry after a lost answer): the first one is returned, nothing is written twice.
REPEAT_WINDOW = datetime.timedelta(minutes=30)


def kind_choices(station: Station | None = None) -> list[tuple[str, str]]:
    """The kinds a member may ask for (at ``station``: those it offers, and "other")."""
    labels = dict(codes.choices("service_kind"))
    return [
        (kind, labels.get(kind, kind))
        for kind in REQUEST_KINDS
        if station is None or kind in station.services or kind in ALWAYS_OFFERED
    ]


def _is_staff(by: Any) -> bool:
    return bool(getattr(by, "is_superuser", False) or getattr(by, "is_staff_role", False))


def _member_and_flow(by: Any, member: Member | None) -> tuple[Member, FlowRecord]:
    if _is_staff(by):
        if member is None:
            raise DomainError("member_required", _("Choose the member who asks."), "member")
    else:
        own = Member.objects.filter(user=by.pk).first() if getattr(by, "pk", None) else None
        if own is None:
            raise PermissionDenied(
                "no_ledger_entry", _("Your account is not linked to a member of the ledger.")
            )
        if member is not None and member.pk != own.pk:
            raise not_found()
        member = own
    flow = (
        FlowRecord.objects.filter(member=member, is_open=True)
        .select_related("home_organization")
        .first()
    )
    if flow is None:
        raise DomainError(
            "no_open_stay",
            _("Requests are for members away from home: there is no open stay on record."),
            "member",
        )
    return member, flow


def _check_station(by: Any, station: Station, kind: str) -> None:
    if station.status != StationStatus.OPEN:
        raise DomainError(
            "station_not_open", _("This station is not open: choose another."), "station"
        )
    if _is_staff(by):
        if not can_see(by, station):
            raise not_found()
        if not may(by, station, "staff"):
            raise PermissionDenied("not_station_side", _("Only the station's staff can do this."))
    if kind not in REQUEST_KINDS:
        raise DomainError("invalid_kind", _("Choose the kind of help you need."), "kind")
    if kind not in station.services and kind not in ALWAYS_OFFERED:
        label = dict(codes.choices("service_kind")).get(kind, kind)
        raise DomainError(
            "kind_not_offered",
            _("%(station)s does not offer %(kind)s: choose another kind or station.")
            % {"station": station.name, "kind": label},
            "kind",
        )


def _sent_before(member: Member, key: uuid.UUID | None) -> ServiceRequest | None:
    """The member's request made with ``key`` (marked ``replayed``), if any."""
    if key is None:
        return None
    earlier = ServiceRequest.objects.filter(member=member, idempotency_key=key).first()
    if earlier is not None:
        earlier.replayed = True  # type: ignore[attr-defined]
    return earlier


@transaction.atomic
def submit_request(
    *,
    by: Any,
    station: Station,
    kind: str,
    description: str,
    member: Member | None = None,
    share_with_home: bool = False,
    files: Sequence[Any] = (),
    now: datetime.datetime | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> tuple[ServiceRequest, bool]:
    """Open a request; returns (request, created). A member asks for themselves; staff of
    the station ask on a member's behalf. The same text again soon is the same request.
    ``idempotency_key`` (made by the phone, decision 133): the member's request made with
    the same key is the answer (``replayed`` set on it), whatever changed since, and nothing
    is written; a unique constraint keeps one row per key and member."""
    require_actor(by)
    member, flow = _member_and_flow(by, member)
    earlier = _sent_before(member, idempotency_key)
    if earlier is not None:
        return earlier, False
    _check_station(by, station, kind)
    text = required_text(
        description, "description", _("Say what you need help with."), DESCRIPTION_LIMIT
    )
    now = now or timezone.now()
    Member.objects.select_for_update().filter(pk=member.pk).first()  # one at a time per member
    earlier = _sent_before(member, idempotency_key)  # again, under the lock: a race's
    if earlier is not None:
        return earlier, False
    recent = ServiceRequest.objects.filter(
        member=member,
        station=station,
        kind=kind,
        status__in=OPEN_STATUSES,
        submitted_at__gte=now - REPEAT_WINDOW,
    )
    for earlier in recent:
        if earlier.description == text:
            return earlier, False
    accept_by, resolve_by = deadlines.deadlines(kind, now)
    with audit.action("service_request.submit", actor=by):
        request = ServiceRequest.objects.create(
            member=member,
            flow=flow,
            station=station,
            kind=kind,
            description=text,
            share_with_home=bool(share_with_home),
            submitted_by=by if getattr(by, "pk", None) else None,
            submitted_at=now,
            accept_by=accept_by,
            resolve_by=resolve_by,
            idempotency_key=idempotency_key,
        )
        for upload in files:
            attach(by=by, request=request, upload=upload)
    return request, True
