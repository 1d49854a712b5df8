"""A station's party branch: counting its full members and establishing it."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import DomainError, PermissionDenied
from liudong.core.scope import CHANGE, may, require_actor
from liudong.members.models import FlowStatus, Member, Membership
from liudong.orgs.models import Organization
from liudong.stations.actions.stations import APPROVING_KINDS, BRANCH_MINIMUM_FULL_MEMBERS
from liudong.stations.models import (
    Station,
)


def full_members_of_branch(station: Station) -> int:
    """Full (not probationary) members managed by the station: open records it holds."""
    if station.branch_id is None:
        return 0
    return (
        Member.objects.filter(
            membership=Membership.FULL,
            flows__is_open=True,
            flows__status=FlowStatus.MANAGED,
            flows__inflow_organization=station.branch_id,
        )
        .distinct()
        .count()
    )


@transaction.atomic
def establish_branch(
    *,
    by: Any,
    station: Station,
    approved_by: Organization,
    approved_on: datetime.date,
    reference: str = "",
) -> Station:
    """Record the committee's approval and mark the mobile branch established."""
    require_actor(by)
    if not may(by, station, CHANGE):
        raise PermissionDenied(
            "forbidden", _("The organization running the station records its branch.")
        )
    station = Station.objects.select_for_update().get(pk=station.pk)
    if station.branch_id is None:
        raise DomainError("no_branch", _("This station has no mobile branch yet."), "branch")
    if station.branch_established_on is not None:
        raise DomainError("already_established", _("This branch is already established."), "branch")
    if approved_by is None or approved_by.kind not in APPROVING_KINDS:
        raise DomainError(
            "approver_not_committee",
            _("A mobile branch is approved by a county-level or higher committee."),
            "approved_by",
        )
    if approved_on is None or approved_on > timezone.localdate():
        raise DomainError("date_invalid", _("Enter the date of approval."), "approved_on")
    full = full_members_of_branch(station)
    if full < BRANCH_MINIMUM_FULL_MEMBERS:
        raise DomainError(
            "too_few_members",
            _(
                "A branch needs at least %(minimum)d full members; this one has %(count)d. "
                "Confirm more check-ins first."
            )
            % {"minimum": BRANCH_MINIMUM_FULL_MEMBERS, "count": full},
            "branch",
        )
    with audit.action("station.establish_branch", actor=by):
        station.branch_approved_by = approved_by
        station.branch_approved_on = approved_on
        station.branch_approval_reference = reference.strip()[:60]
        station.branch_established_on = approved_on
        station.save()
    return station
