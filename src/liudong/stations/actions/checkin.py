"""A member's own flow record and check-in request, through the ORM."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import DomainError
from liudong.core.scope import SYSTEM
from liudong.members import actions as ledger
from liudong.members.models import Direction, FlowRecord, FlowStatus, Member
from liudong.regions.models import Place
from liudong.stations.models import (
    ACTIVE_CHECK_IN,
    CheckIn,
    CheckInMethod,
    CheckInStatus,
    Station,
    StationStatus,
)

# --- check-in ------------------------------------------------------------------------------


def _member_of(by: Any) -> Member:
    member = (
        Member.objects.filter(user=by.pk)
        .only("id", "user_id", "home_organization_id", "inflow_organization_id", "name")
        .first()
        if by is not None
        else None
    )
    if member is None:
        raise DomainError(
            "not_in_ledger",
            _(
                "Your account is not linked to an entry in the ledger. Ask your home branch "
                "or the station's staff to record you."
            ),
        )
    return member


def _refuse_active(active: CheckIn) -> DomainError:
    if active.status == CheckInStatus.PENDING:
        return DomainError(
            "pending_elsewhere",
            _(
                "Your check-in at %(station)s is awaiting confirmation. Cancel it first if you "
                "want to check in here instead."
            )
            % {"station": active.station.name},
            "station",
        )
    return DomainError(
        "checked_in_elsewhere",
        _("You are checked in at %(station)s. Check out there first.")
        % {"station": active.station.name},
        "station",
    )


@transaction.atomic
def register_own_flow(
    *,
    by: Any,
    station: Station,
    destination_place: Place | None,
    reason: str,
    left_on: datetime.date | None,
    destination_address: str = "",
    employer: str = "",
) -> FlowRecord:
    """A member without an open record registers one (the five facts) on the check-in page.

    The ledger's ``register_flow`` applies its rules; the contact (fifth fact) is the phone
    the member signed in with. A member from elsewhere comes in to the station's branch.
    """
    member = _member_of(by)
    if not employer.strip() and not destination_address.strip():
        raise DomainError(
            "employer_or_address_required",
            _("Enter your employer or your address there."),
            "employer",
        )
    if left_on is None:
        raise DomainError("left_on_required", _("Enter when you left."), "left_on")
    direction = Direction.OUTFLOW if member.home_organization_id else Direction.INFLOW
    with audit.action("flow.register_self", actor=by):
        return ledger.register_flow(
            by=SYSTEM,  # the member registers their own record; checked above
            member=member,
            direction=direction,
            destination_place=destination_place,
            reason=reason,
            left_on=left_on,
            destination_address=destination_address,
            employer=employer,
            inflow_organization=station.branch if direction == Direction.INFLOW else None,
        )


# What asking to check in reads of the member's record and of the member (the hot path of
# the check-in API: no personal fields to decrypt, no columns nobody looks at).
_FLOW_CHECK_IN_FIELDS = (
    "id", "member_id", "status", "home_organization_id", "inflow_organization_id",
    "destination_place_id", "member__id", "member__name", "member__user_id",
    "member__home_organization_id", "member__inflow_organization_id",
)  # fmt: skip


def request_check_in(
    *,
    by: Any,
    station: Station,
    method: str = CheckInMethod.QR,
    distance_km: float | None = None,
) -> tuple[CheckIn, bool]:
    """The member asks to check in at ``station``: ``(check_in, created)``.

    Idempotent: asking again for the same station returns the active check-in. One active
    check-in per record is a database constraint; a request that loses a race on it (two
    taps at once) is rolled back and answered again, which returns the row the other
    request made.
    """
    try:
        return _request_check_in(by=by, station=station, method=method, distance_km=distance_km)
    except IntegrityError:
        # The unique constraint: another request for the same record committed its
        # check-in after this one read. Inside a caller's transaction the atomic block
        # below was a savepoint, so asking again is safe there too.
        return _request_check_in(by=by, station=station, method=method, distance_km=distance_km)


@transaction.atomic
def _request_check_in(
    *, by: Any, station: Station, method: str, distance_km: float | None
) -> tuple[CheckIn, bool]:
    if station.status != StationStatus.OPEN:
        _member_of(by)  # "not in the ledger" first: it says what to do next
        raise DomainError(
            "station_not_open",
            _("This station is not open for check-in. Choose another station nearby."),
            "station",
        )
    if method not in CheckInMethod.values:
        method = CheckInMethod.QR
    # One statement: the member's open record, locked (concurrent requests for it queue
    # here), with the member and the id of the record's active check-in, if any.
    flow = (
        FlowRecord.objects.select_for_update(of=("self",))
        .select_related("member")
        .only(*_FLOW_CHECK_IN_FIELDS)
        .annotate(
            active_check_in_id=Subquery(
                CheckIn.objects.filter(flow=OuterRef("pk"), status__in=ACTIVE_CHECK_IN)
                .order_by()
                .values("pk")[:1]
            )
        )
        .filter(member__user=by.pk, is_open=True)
        .order_by()
        .first()
        if by is not None
        else None
    )
    if flow is None:
        _member_of(by)
        raise DomainError(
            "no_open_flow",
            _("You have no open flow record. Register where you are now first."),
            "flow",
        )
    member = flow.member
    if flow.active_check_in_id is not None:
        active = CheckIn.objects.select_related("station").get(pk=flow.active_check_in_id)
        active.flow, active.member = flow, member  # what the answer shows: no second query
        if active.station_id == station.pk:
            return active, False
        raise _refuse_active(active)
    if flow.status == FlowStatus.MANAGED:
        if flow.inflow_organization_id and flow.inflow_organization_id == station.branch_id:
            raise DomainError(
                "already_attached", _("You are already attached to this station."), "station"
            )
        raise DomainError(
            "managed_elsewhere",
            _(
                "Your record is managed by %(org)s. Ask them to release you before you check "
                "in at another station."
            )
            % {"org": flow.inflow_organization or flow.home_organization},
            "station",
        )
    check_in = CheckIn(
        member=member,
        flow=flow,
        station=station,
        method=method,
        distance_km=round(distance_km, 2) if distance_km is not None else None,
    )
    with audit.action("checkin.request", actor=by):
        check_in.save()
    return check_in, True
