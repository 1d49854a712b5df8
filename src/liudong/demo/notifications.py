"""The demo's notifications: the stations' staff told of the check-ins awaiting them, the
members told of their answered check-ins; some already read. Built through the action
(:func:`liudong.notifications.actions.notify`), once per source, so a second run adds
nothing."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from liudong.accounts.models import Role, User
from liudong.core.scope import SYSTEM
from liudong.members import notices as members_notices
from liudong.members.models import Handoff, HandoffState
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
    _hand_offs()
    _notices()
    _read_the_older_half()
    return Notification.objects.count() - before


def _hand_offs() -> None:
    """The open hand-offs, told to the receiving side's staff as when they were raised."""
    for handoff in (
        Handoff.objects.filter(state=HandoffState.OPEN)
        .select_related("flow__member", "from_organization", "to_organization")
        .order_by("pk")
    ):
        members_notices.handoff_raised(handoff, by=SYSTEM)


# Notices the demo members' home branches sent them (the older one read).
NOTICES = [
    ("请于本月底前通过手机提交年度思想汇报", "逾期未交的请与支部联系。"),
    ("本月主题党日活动安排已发布", "请就近到流动党员服务站参加，或在线参加。"),
]


def _notices() -> None:
    members = User.objects.filter(role=Role.MEMBER, username__startswith="member_")
    for member in members.select_related("organization").order_by("username"):
        if Notification.objects.filter(recipient=member, kind="org.notice").exists():
            continue  # sent on an earlier run
        org = member.organization
        sender = (org.short_name or org.name) if org is not None else ""
        for subject, text in NOTICES:
            actions.notify(
                [member],
                "org.notice",
                params={"sender": sender, "subject": subject, "text": text},
                link=reverse("core:home"),
                by=SYSTEM,
            )


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
