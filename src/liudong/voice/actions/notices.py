"""Policy notices and the FAQ: published by the city, a county or a station for an
audience and a period; read marks (one per member and notice); a member's question becomes
a service request of kind policy consultation through the service requests' own action."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.assistance import actions as assistance
from liudong.core import audit
from liudong.core.errors import DomainError, PermissionDenied
from liudong.core.scope import CHANGE, SYSTEM, can_see, may, require_actor, user_of
from liudong.members.models import Member
from liudong.orgs.models import Organization
from liudong.stations.models import Station
from liudong.voice.actions.common import (
    choice,
    not_found,
    require_change,
    required_text,
    store_file,
    too_many_files,
)
from liudong.voice.models import (
    Audience,
    FaqEntry,
    Notice,
    NoticeAttachment,
    NoticeRead,
    PolicyTopic,
)

TITLE_LIMIT = 100
BODY_LIMIT = 5000
QUESTION_LIMIT = 200
ANSWER_LIMIT = 3000


def _require_publisher(by: Any, publisher: Organization) -> None:
    """The publishing organization is the actor's own (or within their subtree)."""
    require_actor(by)
    staff = getattr(by, "is_staff_role", False) or getattr(by, "is_superuser", False)
    if not getattr(by, "is_system", False) and not staff:
        raise PermissionDenied("staff_only", _("Only staff publish notices."))
    if not may(by, publisher, CHANGE):
        if can_see(by, publisher):
            raise PermissionDenied(
                "not_your_side", _("You may publish only for your own organization.")
            )
        raise not_found()


def _check_period(valid_from: Any, valid_until: Any, today: datetime.date) -> None:
    if not isinstance(valid_from, datetime.date) or not isinstance(valid_until, datetime.date):
        raise DomainError("period_required", _("Give the period of validity."), "valid_until")
    if valid_until < valid_from:
        raise DomainError("period_reversed", _("The period ends before it starts."), "valid_until")
    if valid_until < today:
        raise DomainError(
            "period_expired",
            _("This period is over already: a notice must still be valid when published."),
            "valid_until",
        )


def _check_audience(
    by: Any, audience: str, county: Organization | None, station: Station | None
) -> tuple[Organization | None, Station | None]:
    audience = choice(audience, Audience, "audience", _("Choose who the notice is for."))
    if audience == Audience.ALL:
        return None, None
    if audience == Audience.COUNTY:
        if county is None or county.kind != "county_committee":
            raise DomainError(
                "audience_county_required", _("Choose the county."), "audience_county"
            )
        return county, None
    if station is None:
        raise DomainError("audience_station_required", _("Choose the station."), "audience_station")
    return None, station


@transaction.atomic
def publish_notice(
    *,
    by: Any,
    publisher: Organization,
    topic: str,
    title: str,
    body: str,
    audience: str,
    valid_from: datetime.date,
    valid_until: datetime.date,
    audience_county: Organization | None = None,
    audience_station: Station | None = None,
    files: Sequence[Any] = (),
    today: datetime.date | None = None,
) -> Notice:
    """Publish a notice; refused when its period ends before it starts or is over."""
    _require_publisher(by, publisher)
    topic = choice(topic, PolicyTopic, "topic", _("Choose a topic."))
    title = required_text(title, "title", _("Give the notice a title."), TITLE_LIMIT)
    body = required_text(body, "body", _("Write the notice."), BODY_LIMIT)
    _check_period(valid_from, valid_until, today or timezone.localdate())
    county, station = _check_audience(by, audience, audience_county, audience_station)
    with audit.action("notice.publish", actor=by):
        notice = Notice.objects.create(
            publisher=publisher,
            topic=topic,
            title=title,
            body=body,
            audience=audience,
            audience_county=county,
            audience_station=station,
            valid_from=valid_from,
            valid_until=valid_until,
            published_by=user_of(by),
            published_at=timezone.now(),
        )
        for upload in files:
            too_many_files(notice.attachments.count())
            store_file(NoticeAttachment, upload, notice=notice)
    return notice


@transaction.atomic
def withdraw_notice(*, by: Any, notice: Notice) -> Notice:
    require_change(by, notice, _("Only the publishing organization can withdraw it."))
    if notice.withdrawn_at is not None:
        raise DomainError("already_withdrawn", _("This notice is withdrawn already."))
    with audit.action("notice.withdraw", actor=by):
        notice.withdrawn_at = timezone.now()
        notice.save()
    return notice


def mark_read(
    *,
    by: Any,
    notice: Notice,
    member: Member | None = None,
    now: datetime.datetime | None = None,
) -> bool:
    """The member read the notice: one mark per member and notice (True when this was the
    first). Not audited: the mark names the reader, which the publisher never learns. The
    system (the demo) names the member; a user is the member."""
    require_actor(by)
    if by is not SYSTEM or member is None:
        member = Member.objects.filter(user=getattr(by, "pk", None)).first()
    if member is None:
        return False
    if NoticeRead.objects.filter(notice=notice, member=member).exists():
        return False
    try:
        with transaction.atomic():
            NoticeRead.objects.create(notice=notice, member=member, read_at=now or timezone.now())
    except IntegrityError:  # a second tab read it at the same moment: counted once
        return False
    return True


@transaction.atomic
def add_faq(
    *, by: Any, publisher: Organization, topic: str, question: str, answer: str, order: int = 0
) -> FaqEntry:
    _require_publisher(by, publisher)
    topic = choice(topic, PolicyTopic, "topic", _("Choose a topic."))
    question = required_text(question, "question", _("Write the question."), QUESTION_LIMIT)
    answer = required_text(answer, "answer", _("Write the answer."), ANSWER_LIMIT)
    with audit.action("faq.add", actor=by):
        return FaqEntry.objects.create(
            publisher=publisher, topic=topic, question=question, answer=answer, order=order
        )


def ask_question(
    *, by: Any, station: Station, question: str, about: Notice | FaqEntry | None = None
) -> Any:
    """A member's question from a notice or the FAQ: a service request of kind policy
    consultation at a station, opened by the service requests' own action."""
    text = required_text(question, "description", _("Write your question."), 1500)
    if about is not None:
        label = about.title if isinstance(about, Notice) else about.question
        text = f"【{label}】{text}"
    created, _new = assistance.submit_request(
        by=by, station=station, kind="policy", description=text
    )
    return created
