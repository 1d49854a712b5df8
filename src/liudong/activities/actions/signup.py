"""A member signs up for an activity from the phone, or withdraws before it starts."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.activities.actions.planning import require_organizer_side
from liudong.activities.models import Activity, ActivityStatus, Audience, SignUp
from liudong.core import audit
from liudong.core.errors import DomainError, ScopeError
from liudong.core.scope import require_actor
from liudong.members.models import Member


def in_audience(activity: Activity, member: Member) -> bool:
    """Whether the member is among those the activity is for: the members attached to the
    station (the inflow side of their stay is the station's branch), the branch's members
    (held there, or attached to it), or everyone."""
    if activity.audience == Audience.OPEN:
        return True
    if activity.audience == Audience.STATION:
        return member.inflow_organization_id == activity.organizer_id
    return activity.organizer_id in (member.home_organization_id, member.inflow_organization_id)


def member_of(by: Any) -> Member:
    """The signed-in member's ledger entry (a member acts for themselves only)."""
    require_actor(by)
    member = Member.objects.filter(user=getattr(by, "pk", None)).first() if by.pk else None
    if member is None:
        raise ScopeError(
            "no_member", _("Your account is not linked to a member of the ledger."), None
        )
    return member


def require_audience(activity: Activity, member: Member) -> None:
    if not in_audience(activity, member):
        message = {
            Audience.STATION: _("This activity is for the members attached to the station."),
            Audience.BRANCH: _("This activity is for the branch's members."),
        }.get(activity.audience, _("This activity is not open to you."))
        raise DomainError("outside_audience", message, None)


def _locked(activity: Activity) -> Activity:
    return (
        Activity.objects.select_for_update(of=("self",))
        .select_related("organizer")
        .get(pk=activity.pk)
    )


@transaction.atomic
def sign_up(*, by: Any, activity: Activity, member: Member | None = None) -> SignUp:
    """The member signs up (or the organizer's staff for a member who asked them, e.g. by
    phone): refused when cancelled or started, outside the audience, full, or already
    signed up (one row per member, kept by the database)."""
    activity = _locked(activity)  # serializes sign-ups of one activity: the capacity holds
    if member is None:
        member = member_of(by)
    else:
        require_organizer_side(by, activity)
    if activity.status != ActivityStatus.PLANNED:
        raise DomainError(
            "not_open",
            _("Sign-up is closed: the activity is %(status)s.")
            % {"status": activity.get_status_display()},
            None,
        )
    if activity.starts_at <= timezone.now():
        raise DomainError("already_started", _("The activity has started: sign-up is closed."))
    require_audience(activity, member)
    if SignUp.objects.filter(activity=activity, member=member).exists():
        raise DomainError("already_signed_up", _("Already signed up for this activity."), None)
    if activity.capacity is not None and activity.sign_ups.count() >= activity.capacity:
        raise DomainError(
            "full",
            _("The activity is full (%(capacity)d places).") % {"capacity": activity.capacity},
            None,
        )
    try:
        with transaction.atomic(), audit.action("activity.sign_up", actor=by):
            return SignUp.objects.create(activity=activity, member=member)
    except IntegrityError:  # a concurrent double tap
        raise DomainError(
            "already_signed_up", _("Already signed up for this activity."), None
        ) from None


@transaction.atomic
def withdraw_sign_up(*, by: Any, activity: Activity) -> None:
    """The member withdraws before the activity starts, freeing the place."""
    member = member_of(by)
    activity = _locked(activity)
    row = SignUp.objects.filter(activity=activity, member=member).first()
    if row is None:
        raise DomainError("not_signed_up", _("You have not signed up for this activity."), None)
    if activity.starts_at <= timezone.now():
        raise DomainError("already_started", _("The activity has started: sign-up is closed."))
    with audit.action("activity.withdraw", actor=by):
        row.delete()
