"""Job openings: posted by a station's staff (from host enterprises and job centres),
interest marked by members, the outcome recorded by the station's staff."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import DomainError, PermissionDenied
from liudong.core.scope import SYSTEM, can_see, may, require_actor, user_of
from liudong.members.models import Member
from liudong.stations.models import Station, StationStatus
from liudong.voice.actions.common import (
    choice,
    not_found,
    optional_text,
    require_change,
    required_text,
)
from liudong.voice.models import JobInterest, JobOpening, JobSource, Outcome


def _pay(value: Any, field: str) -> int:
    try:
        pay = int(value)
    except (TypeError, ValueError):
        raise DomainError("invalid_pay", _("Give the pay in whole yuan a month."), field) from None
    if pay < 0 or pay > 1_000_000:
        raise DomainError("invalid_pay", _("Give the pay in whole yuan a month."), field)
    return pay


@transaction.atomic
def post_opening(
    *,
    by: Any,
    station: Station,
    source: str,
    employer: str,
    title: str,
    place: str,
    pay_min: Any,
    pay_max: Any,
    contact: str,
    closing_date: datetime.date,
    description: str = "",
    today: datetime.date | None = None,
) -> JobOpening:
    """Post an opening at the station; refused with a closing date in the past."""
    require_actor(by)
    if not can_see(by, station):
        raise not_found()
    if not may(by, station, "staff"):
        raise PermissionDenied("not_station_side", _("Only the station's staff can do this."))
    if station.status != StationStatus.OPEN:
        raise DomainError("station_not_open", _("This station is not open."), "station")
    if station.branch_id is None:
        raise DomainError(
            "station_without_branch",
            _("The station has no mobile branch yet: openings are posted by its branch."),
            "station",
        )
    source = choice(source, JobSource, "source", _("Say where the opening comes from."))
    employer = required_text(employer, "employer", _("Name the employer."), 100)
    title = required_text(title, "title", _("Name the position."), 80)
    place = required_text(place, "place", _("Say where the work is."), 100)
    contact = required_text(contact, "contact", _("Give a contact."), 100)
    description = optional_text(description, "description", 2000)
    low, high = _pay(pay_min, "pay_min"), _pay(pay_max, "pay_max")
    if high < low:
        raise DomainError("pay_reversed", _("The pay range ends below its start."), "pay_max")
    if not isinstance(closing_date, datetime.date):
        raise DomainError("closing_required", _("Give the closing date."), "closing_date")
    if closing_date < (today or timezone.localdate()):
        raise DomainError(
            "closing_in_past", _("The closing date has passed already."), "closing_date"
        )
    with audit.action("job_opening.post", actor=by):
        return JobOpening.objects.create(
            station=station,
            source=source,
            employer=employer,
            title=title,
            place=place,
            pay_min=low,
            pay_max=high,
            contact=contact,
            description=description,
            closing_date=closing_date,
            posted_by=user_of(by),
            posted_at=timezone.now(),
        )


def mark_interest(
    *,
    by: Any,
    opening: JobOpening,
    member: Member | None = None,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> tuple[JobInterest, bool]:
    """A member marks interest (once); refused after the closing date. The system (the
    demo) names the member; a user is the member."""
    require_actor(by)
    if by is not SYSTEM or member is None:
        member = Member.objects.filter(user=getattr(by, "pk", None)).first()
    if member is None:
        raise PermissionDenied(
            "no_ledger_entry", _("Your account is not linked to a member of the ledger.")
        )
    if opening.closing_date < (today or timezone.localdate()):
        raise DomainError("opening_closed", _("This opening has closed."), "opening")
    earlier = JobInterest.objects.filter(opening=opening, member=member).first()
    if earlier is not None:
        return earlier, False
    try:
        with transaction.atomic(), audit.action("job_interest.mark", actor=by):
            created = JobInterest.objects.create(
                opening=opening, member=member, marked_at=now or timezone.now()
            )
    except IntegrityError:
        return JobInterest.objects.get(opening=opening, member=member), False
    return created, True


@transaction.atomic
def record_outcome(
    *,
    by: Any,
    interest: JobInterest,
    outcome: str,
    note: str = "",
    now: datetime.datetime | None = None,
) -> JobInterest:
    """The station's staff followed up: placed or not placed, with a note."""
    require_change(by, interest, _("Only the station's staff can do this."))
    if outcome not in (Outcome.PLACED, Outcome.NOT_PLACED):
        raise DomainError("invalid_outcome", _("Choose placed or not placed."), "outcome")
    note = optional_text(note, "outcome_note", 300)
    with audit.action("job_interest.outcome", actor=by):
        interest.outcome = outcome
        interest.outcome_note = note
        interest.outcome_at = now or timezone.now()
        interest.outcome_by = user_of(by)
        interest.save()
    return interest
