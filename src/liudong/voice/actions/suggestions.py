"""Suggestions and development leads: submitted for the home county, routed by the county to
a department, answered by it, approved by the county (only then the member reads it),
adopted with what came of it."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import DomainError, PermissionDenied
from liudong.core.scope import SYSTEM, can_see, may, require_actor, user_of
from liudong.members.models import Member
from liudong.notifications.actions import notify
from liudong.orgs.models import Organization
from liudong.stations.models import Station
from liudong.voice.actions.common import (
    choice,
    is_staff,
    not_found,
    require_change,
    required_text,
    store_file,
    too_many_files,
)
from liudong.voice.models import (
    Department,
    Suggestion,
    SuggestionAttachment,
    SuggestionKind,
    SuggestionStatus,
    SuggestionTopic,
)

TEXT_LIMIT = 2000
TITLE_LIMIT = 80
ANSWER_LIMIT = 2000
RESULT_LIMIT = 500
# The same title and text from the same member within this time is the same suggestion (a
# double tap, a retry): the first is returned, nothing is written twice.
REPEAT_WINDOW = datetime.timedelta(minutes=30)


def home_county(member: Member) -> Organization | None:
    """The county-level committee holding the member's membership (None for a member whose
    membership is elsewhere)."""
    home = member.home_organization
    return home.county if home is not None else None


def _the_member(by: Any, member: Member | None) -> Member:
    if is_staff(by):
        if member is None:
            raise DomainError("member_required", _("Choose the member who speaks."), "member")
        if not can_see(by, member):
            raise not_found()
        return member
    own = Member.objects.filter(user=by.pk).first() if getattr(by, "pk", None) else None
    if own is None:
        raise PermissionDenied(
            "no_ledger_entry", _("Your account is not linked to a member of the ledger.")
        )
    if member is not None and member.pk != own.pk:
        raise not_found()
    return own


def _check_station(by: Any, station: Station | None) -> None:
    """Staff take a suggestion at their station's meeting; a member needs none."""
    if not is_staff(by) or by is None or getattr(by, "is_system", False):
        return
    if station is None:
        raise DomainError("station_required", _("Say at which station it was given."), "station")
    if not can_see(by, station):
        raise not_found()
    if not may(by, station, "staff"):
        raise PermissionDenied("not_station_side", _("Only the station's staff can do this."))


@transaction.atomic
def submit_suggestion(
    *,
    by: Any,
    kind: str,
    topic: str,
    title: str,
    text: str,
    county: Organization | None = None,
    member: Member | None = None,
    station: Station | None = None,
    files: Sequence[Any] = (),
    now: datetime.datetime | None = None,
) -> tuple[Suggestion, bool]:
    """A suggestion or lead for the member's home county; returns (suggestion, created). A
    member speaks for themselves; station staff write down what a member said at a meeting.
    Refused for any county other than the member's home."""
    require_actor(by)
    member = _the_member(by, member)
    _check_station(by, station)
    home = home_county(member)
    if home is None:
        raise DomainError(
            "no_home_county",
            _("Suggestions go to your home county here; your membership is held elsewhere."),
            "county",
        )
    if county is not None and county.pk != home.pk:
        raise DomainError(
            "not_home_county",
            _("A suggestion goes to your home county (%(home)s), not to %(county)s.")
            % {"home": home.name, "county": county.name},
            "county",
        )
    kind = choice(kind, SuggestionKind, "kind", _("Choose a suggestion or the kind of lead."))
    topic = choice(topic, SuggestionTopic, "topic", _("Choose a topic."))
    title = required_text(title, "title", _("Give it a short title."), TITLE_LIMIT)
    text = required_text(text, "text", _("Write your suggestion."), TEXT_LIMIT)
    now = now or timezone.now()
    Member.objects.select_for_update().filter(pk=member.pk).first()  # one at a time
    earlier = Suggestion.objects.filter(
        member=member, title=title, text=text, submitted_at__gte=now - REPEAT_WINDOW
    ).first()
    if earlier is not None:
        return earlier, False
    with audit.action("suggestion.submit", actor=by):
        created = Suggestion.objects.create(
            member=member,
            county=home,
            station=station,
            kind=kind,
            topic=topic,
            title=title,
            text=text,
            submitted_by=user_of(by),
            submitted_at=now,
        )
        for upload in files:
            _attach(created, upload)
    return created, True


def _attach(suggestion: Suggestion, upload: Any) -> SuggestionAttachment:
    too_many_files(suggestion.attachments.count())
    return store_file(SuggestionAttachment, upload, suggestion=suggestion)


@transaction.atomic
def attach(*, by: Any, suggestion: Suggestion, upload: Any) -> SuggestionAttachment:
    """A file added later: by the member who made it or the county, before it is answered."""
    require_actor(by)
    own = getattr(by, "pk", None) is not None and suggestion.member.user_id == by.pk
    if not own:
        require_change(by, suggestion, _("Only the member or the home county can add files."))
    if suggestion.status == SuggestionStatus.PUBLISHED:
        raise DomainError(
            "suggestion_closed", _("This suggestion is answered: no more files."), "file"
        )
    with audit.action("suggestion.attach", actor=by):
        return _attach(suggestion, upload)


def _locked(suggestion: Suggestion) -> Suggestion:
    return (
        Suggestion.objects.select_for_update(of=("self",))
        .select_related("county", "member", "department")
        .get(pk=suggestion.pk)
    )


def _require_status(suggestion: Suggestion, *allowed: str) -> None:
    if suggestion.status not in allowed:
        raise DomainError(
            "wrong_status",
            _("This suggestion cannot do that now (it is: %(status)s).")
            % {"status": suggestion.get_status_display()},
            "status",
        )


def _county_only() -> str:
    return _("Only the suggestion's home county can do this.")


@transaction.atomic
def route_suggestion(
    *,
    by: Any,
    suggestion: Suggestion,
    department: Department,
    now: datetime.datetime | None = None,
) -> Suggestion:
    """The home county gives it to one of its departments (again, to another, until it is
    answered); the department's users are told."""
    require_change(by, suggestion, _county_only())
    suggestion = _locked(suggestion)
    _require_status(suggestion, SuggestionStatus.SUBMITTED, SuggestionStatus.ROUTED)
    if department is None or department.county_id != suggestion.county_id:
        raise DomainError(
            "department_elsewhere",
            _("Choose one of the home county's departments."),
            "department",
        )
    if not department.active:
        raise DomainError(
            "department_inactive", _("This department no longer answers."), "department"
        )
    with audit.action("suggestion.route", actor=by):
        suggestion.department = department
        suggestion.status = SuggestionStatus.ROUTED
        suggestion.routed_at = now or timezone.now()
        suggestion.save()
    users = list(department.memberships.values_list("user_id", flat=True))
    if users:
        notify(
            users,
            "suggestion.routed",
            params={"county": suggestion.county.name, "title": suggestion.title},
            link=reverse("voice:suggestion", args=[suggestion.pk]),
            source=suggestion,
            by=by,
        )
    return suggestion


def in_department(by: Any, suggestion: Suggestion) -> bool:
    """Whether ``by`` is a user of the department the suggestion is routed to."""
    if getattr(by, "pk", None) is None or suggestion.department_id is None:
        return False
    return suggestion.department.memberships.filter(user=by.pk).exists()


@transaction.atomic
def answer_suggestion(
    *, by: Any, suggestion: Suggestion, answer: str, now: datetime.datetime | None = None
) -> Suggestion:
    """The department it is routed to answers (or the system for it: the demo, an import);
    the answer waits for the county's approval and is not shown to the member before."""
    require_actor(by)
    if not can_see(by, suggestion):
        raise not_found()
    if by is not SYSTEM and not in_department(by, suggestion):
        raise PermissionDenied(
            "not_the_department", _("Only the department it is routed to can answer.")
        )
    suggestion = _locked(suggestion)
    _require_status(suggestion, SuggestionStatus.ROUTED)
    text = required_text(answer, "answer", _("Write the answer."), ANSWER_LIMIT)
    with audit.action("suggestion.answer", actor=by):
        suggestion.answer = text
        suggestion.answered_by = user_of(by)
        suggestion.answered_at = now or timezone.now()
        suggestion.status = SuggestionStatus.ANSWERED
        suggestion.save()
    return suggestion


@transaction.atomic
def approve_answer(
    *, by: Any, suggestion: Suggestion, now: datetime.datetime | None = None
) -> Suggestion:
    """The home county approves the department's answer: the member reads it now and is
    told."""
    require_change(by, suggestion, _county_only())
    suggestion = _locked(suggestion)
    _require_status(suggestion, SuggestionStatus.ANSWERED)
    with audit.action("suggestion.approve", actor=by):
        suggestion.approved_by = user_of(by)
        suggestion.approved_at = now or timezone.now()
        suggestion.status = SuggestionStatus.PUBLISHED
        suggestion.returned_note = ""
        suggestion.save()
    if suggestion.member.user_id is not None:
        notify(
            [suggestion.member.user_id],
            "suggestion.answered",
            params={"county": suggestion.county.name, "title": suggestion.title},
            link=reverse("voice_m:suggestion", args=[suggestion.pk]),
            source=suggestion,
            by=by,
        )
    return suggestion


@transaction.atomic
def return_answer(*, by: Any, suggestion: Suggestion, note: str) -> Suggestion:
    """The county does not approve: the answer goes back to the department with a note."""
    require_change(by, suggestion, _county_only())
    suggestion = _locked(suggestion)
    _require_status(suggestion, SuggestionStatus.ANSWERED)
    text = required_text(note, "note", _("Say what the answer lacks."), 300)
    with audit.action("suggestion.return", actor=by):
        suggestion.status = SuggestionStatus.ROUTED
        suggestion.returned_note = text
        suggestion.save()
    return suggestion


@transaction.atomic
def adopt_suggestion(
    *, by: Any, suggestion: Suggestion, result: str, now: datetime.datetime | None = None
) -> Suggestion:
    """The county marks an answered suggestion adopted (采纳) and says what came of it."""
    require_change(by, suggestion, _county_only())
    suggestion = _locked(suggestion)
    _require_status(suggestion, SuggestionStatus.PUBLISHED)
    if suggestion.adopted:
        raise DomainError("already_adopted", _("This suggestion is adopted already."), "adopted")
    text = required_text(result, "adoption_result", _("Say what came of it."), RESULT_LIMIT)
    with audit.action("suggestion.adopt", actor=by):
        suggestion.adopted = True
        suggestion.adopted_at = now or timezone.now()
        suggestion.adoption_result = text
        suggestion.save()
    return suggestion


def answer_visible(user: Any, suggestion: Suggestion) -> bool:
    """The answer is shown to the member only once the county approved it; the county and
    the department see it while it waits."""
    if suggestion.status == SuggestionStatus.PUBLISHED:
        return True
    if not suggestion.answer:
        return False
    if getattr(user, "pk", None) is not None and suggestion.member.user_id == user.pk:
        return False
    return in_department(user, suggestion) or may(user, suggestion, "change")


__all__ = [
    "adopt_suggestion",
    "answer_suggestion",
    "answer_visible",
    "approve_answer",
    "attach",
    "home_county",
    "in_department",
    "return_answer",
    "route_suggestion",
    "submit_suggestion",
]
