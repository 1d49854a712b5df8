"""The demo's notifications: the stations' staff told of the check-ins awaiting them, the
members told of their answered check-ins; some already read. Built through the action
(:func:`liudong.notifications.actions.notify`), once per source, so a second run adds
nothing."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from liudong.core.scope import SYSTEM
from liudong.notifications import actions
from liudong.notifications.models import Notification
from liudong.notifications.recipients import staff_of
from liudong.stations.models import CheckIn, CheckInStatus

MEMBER_ANSWERS = 40  # answered check-ins told to their members (the demo logins' among them)


@transaction.atomic
def build_notifications() -> int:
    """Notify as the events would have; the older half of each staff's and member's read."""
    before = Notification.objects.count()
    pending = CheckIn.objects.filter(status=CheckInStatus.PENDING).select_related(
        "station", "member"
    )
    for check_in in pending.order_by("pk"):
        station = check_in.station
        actions.notify(
            staff_of(station.branch_id or station.organization_id),
            "checkin.pending",
            params={"member": check_in.member.name, "station": station.name},
            link=reverse("stations:check_ins") + "#to-answer",
            source=check_in,
            by=SYSTEM,
        )
    answered = (
        CheckIn.objects.filter(
            status__in=[CheckInStatus.CONFIRMED, CheckInStatus.REFUSED],
            member__user__isnull=False,
        )
        .select_related("station", "member")
        .order_by("-decided_at", "-pk")[:MEMBER_ANSWERS]
    )
    for check_in in answered:
        kind = (
            "checkin.confirmed" if check_in.status == CheckInStatus.CONFIRMED else "checkin.refused"
        )
        actions.notify(
            [check_in.member.user_id],
            kind,
            params={"station": check_in.station.name},
            link=reverse("checkin:detail", args=[check_in.pk]),
            source=check_in,
            by=SYSTEM,
        )
    _read_the_older_half()
    return Notification.objects.count() - before


def _read_the_older_half() -> None:
    """Each recipient has read their older notifications (the newest stay unread)."""
    now = timezone.now()
    by_recipient: dict[int, list[int]] = {}
    for pk, recipient in (
        Notification.objects.filter(read_at__isnull=True)
        .order_by("created_at", "pk")
        .values_list("pk", "recipient_id")
    ):
        by_recipient.setdefault(recipient, []).append(pk)
    older = [pk for pks in by_recipient.values() for pk in pks[: len(pks) // 2]]
    Notification.objects.filter(pk__in=older).update(read_at=now - datetime.timedelta(hours=1))
