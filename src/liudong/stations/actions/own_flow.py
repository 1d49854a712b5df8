"""A member without an open flow record registers one on the check-in page (the five
facts), with the ledger's rules; then asks to check in (:mod:`.checkin`)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import DomainError
from liudong.core.scope import SYSTEM
from liudong.members import actions as ledger
from liudong.members.models import Direction, FlowRecord, Member
from liudong.regions.models import Place
from liudong.stations.actions.checkin import not_in_ledger
from liudong.stations.models import Station


def _member_of(by: Any) -> Member:
    member = (
        Member.objects.filter(user=by.pk)
        .only("id", "user_id", "home_organization_id", "inflow_organization_id", "name")
        .first()
        if by is not None
        else None
    )
    if member is None:
        raise not_in_ledger()
    return member


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
