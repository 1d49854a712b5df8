"""Answering a check-in: confirming, refusing, cancelling, checking out."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import DomainError, ScopeError
from liudong.core.scope import SYSTEM
from liudong.members import actions as ledger
from liudong.stations import notices
from liudong.stations.actions.stations import _require_station_side
from liudong.stations.models import (
    CheckIn,
    CheckInStatus,
    StationStatus,
)


def _locked(check_in: CheckIn) -> CheckIn:
    return (
        CheckIn.objects.select_for_update(of=("self",))
        .select_related("station__branch", "station__organization", "flow", "member")
        .get(pk=check_in.pk)
    )


def _require_pending(check_in: CheckIn) -> None:
    if check_in.status != CheckInStatus.PENDING:
        raise DomainError(
            "not_pending",
            _("This check-in is no longer awaiting confirmation (now: %(status)s).")
            % {"status": check_in.get_status_display()},
            "status",
        )


@transaction.atomic
def confirm_check_in(*, by: Any, check_in: CheckIn, note: str = "") -> CheckIn:
    """The station confirms: the record becomes managed, attached to the station's branch."""
    check_in = _locked(check_in)
    _require_station_side(by, check_in.station)
    _require_pending(check_in)
    if check_in.station.status == StationStatus.CLOSED:
        # Only a check-in asked in the instant of closing can be here: refuse it instead.
        raise DomainError(
            "station_closed",
            _("This station is closed: refuse the check-in so the member can go elsewhere."),
            "status",
        )
    with audit.action("checkin.confirm", actor=by, reason=note):
        # The ledger's lifecycle rule decides whether the record may become managed; the
        # station's right to answer was checked above (the record is not in its scope yet).
        ledger.check_in(
            by=SYSTEM,  # on the station side's behalf, checked above
            flow=check_in.flow,
            inflow_organization=check_in.station.branch,
            note=note or _("Checked in at %(station)s") % {"station": check_in.station.name},
        )
        check_in.status = CheckInStatus.CONFIRMED
        check_in.decided_by, check_in.decided_at = by, timezone.now()
        check_in.save()
    notices.check_in_answered(check_in, by=by)
    return check_in


@transaction.atomic
def refuse_check_in(*, by: Any, check_in: CheckIn, reason: str) -> CheckIn:
    """The station refuses with a reason the member and the home organization see."""
    check_in = _locked(check_in)
    _require_station_side(by, check_in.station)
    _require_pending(check_in)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "reason_required", _("Say why, for the member and their home branch."), "reason"
        )
    with audit.action("checkin.refuse", actor=by, reason=reason):
        check_in.status = CheckInStatus.REFUSED
        check_in.reason = reason[:200]
        check_in.decided_by, check_in.decided_at = by, timezone.now()
        check_in.save()
    notices.check_in_answered(check_in, by=by)
    return check_in


def _require_own(by: Any, check_in: CheckIn) -> None:
    if by is None or check_in.member.user_id != by.pk:
        raise ScopeError("not_found", _("Not found, or not within your organization's scope."))


@transaction.atomic
def cancel_check_in(*, by: Any, check_in: CheckIn) -> CheckIn:
    """The member withdraws a check-in that is still awaiting confirmation."""
    check_in = _locked(check_in)
    _require_own(by, check_in)
    _require_pending(check_in)
    with audit.action("checkin.cancel", actor=by):
        check_in.status = CheckInStatus.CANCELLED
        check_in.ended_at = timezone.now()
        check_in.save()
    return check_in


@transaction.atomic
def check_out(*, by: Any, check_in: CheckIn, on: datetime.date | None = None) -> CheckIn:
    """A returning member checks out (the member, or the station for them): the check-in
    ends and the ledger closes the record as returned."""
    check_in = _locked(check_in)
    if by is not None and not (by.is_superuser or by.is_staff_role):
        _require_own(by, check_in)
    else:
        _require_station_side(by, check_in.station)
    if check_in.status != CheckInStatus.CONFIRMED:
        raise DomainError(
            "not_confirmed", _("Only a confirmed check-in can be checked out."), "status"
        )
    with audit.action("checkin.check_out", actor=by):
        ledger.mark_returned(
            by=SYSTEM,  # on behalf of the member or the station side, checked above
            flow=check_in.flow,
            on=on,
            reason=_("Checked out at %(station)s") % {"station": check_in.station.name},
        )
        check_in.status = CheckInStatus.CHECKED_OUT
        check_in.ended_at = timezone.now()
        check_in.save()
    return check_in
