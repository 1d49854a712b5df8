"""The demo's check-ins: what the stations' records already say, as check-in rows.

Every open record managed by a station's branch has the confirmed check-in that brought it
there; a few records the stations expect are awaiting confirmation (in every station that
has one, so 泾川's 雁塔 and 灵台's 未央 both have a to-do); a few were refused with a reason.
Built in bulk after the ledger (one audit row says so), idempotent, and fast.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from liudong.accounts.models import Role, User
from liudong.core import audit
from liudong.core.scope import SYSTEM
from liudong.members.models import FlowRecord, FlowStatus
from liudong.stations import actions
from liudong.stations.models import (
    CheckIn,
    CheckInMethod,
    CheckInStatus,
    Station,
    StationStatus,
)

PENDING_PER_STATION = 2
REFUSALS = [
    "您所在的区不在本站服务范围，请就近向{other}报到",
    "报到信息与台账不一致，请先联系流出地党组织核实",
]
# Demo logins that keep a fresh record, so a visitor can try the one-click check-in.
LEAVE_FOR_VISITORS = ("member_jc",)


def _at(day: datetime.date | None, rng: random.Random) -> datetime.datetime:
    day = day or timezone.localdate()
    moment = datetime.datetime.combine(day, datetime.time(9)) + datetime.timedelta(
        minutes=rng.randint(0, 480)
    )
    return timezone.make_aware(moment)


@transaction.atomic
def build_check_ins(seed: int = 20240618) -> dict[str, int]:
    """Create the demo's check-ins once (a second run does nothing)."""
    if CheckIn.objects.exists():
        return {}
    rng = random.Random(seed + 5)
    # Open stations only (the planned one takes no check-ins).
    running = Station.objects.filter(status=StationStatus.OPEN, branch__isnull=False)
    stations = {s.branch_id: s for s in running.select_related("branch", "organization")}
    if not stations:
        return {}
    staff = {
        u.organization_id: u
        for u in User.objects.filter(role=Role.STATION_STAFF).order_by("username")
    }
    keep = set(User.objects.filter(username__in=LEAVE_FOR_VISITORS).values_list("pk", flat=True))
    rows: list[CheckIn] = []
    at: list[datetime.datetime] = []
    open_records = (
        FlowRecord.objects.filter(is_open=True, inflow_organization__in=list(stations))
        .select_related("member")
        .order_by("id")
    )
    waiting: dict[int, list[FlowRecord]] = defaultdict(list)
    for flow in open_records:
        station = stations[flow.inflow_organization_id]
        if flow.status == FlowStatus.MANAGED:
            requested = _at(flow.managed_on, rng) - datetime.timedelta(days=rng.randint(0, 2))
            row = CheckIn(
                member=flow.member,
                flow=flow,
                station=station,
                status=CheckInStatus.CONFIRMED,
                method=rng.choice([CheckInMethod.QR, CheckInMethod.QR, CheckInMethod.NEARBY]),
                decided_by=staff.get(station.branch_id),
                decided_at=_at(flow.managed_on, rng),
            )
            rows.append(row)
            at.append(requested)
        elif flow.status == FlowStatus.REGISTERED and flow.member.user_id not in keep:
            waiting[station.pk].append(flow)
    refused_per_station: dict[int, int] = defaultdict(int)
    for station_pk, flows in waiting.items():
        rng.shuffle(flows)
        station = next(s for s in stations.values() if s.pk == station_pk)
        for flow in flows[:PENDING_PER_STATION]:
            rows.append(
                CheckIn(
                    member=flow.member,
                    flow=flow,
                    station=station,
                    status=CheckInStatus.PENDING,
                    method=CheckInMethod.QR,
                )
            )
            at.append(timezone.now() - datetime.timedelta(hours=rng.randint(1, 40)))
        # An earlier refusal on one of them: the member tried another station first.
        for flow in flows[PENDING_PER_STATION : PENDING_PER_STATION + 1]:
            others = [s for s in stations.values() if s.pk != station_pk]
            elsewhere = rng.choice(others)
            rows.append(
                CheckIn(
                    member=flow.member,
                    flow=flow,
                    station=elsewhere,
                    status=CheckInStatus.REFUSED,
                    method=CheckInMethod.NEARBY,
                    reason=rng.choice(REFUSALS).format(other=station.name),
                    decided_by=staff.get(elsewhere.branch_id),
                    decided_at=timezone.now() - datetime.timedelta(days=rng.randint(1, 20)),
                )
            )
            at.append(timezone.now() - datetime.timedelta(days=21))
            refused_per_station[station_pk] += 1
    rows += _demo_logins_waiting(keep, stations, rows, at)
    CheckIn.objects.bulk_create(rows, batch_size=1000)
    for row, when in zip(rows, at, strict=True):
        row.requested_at = min(when, row.decided_at or when)
    CheckIn.objects.bulk_update(rows, ["requested_at"], batch_size=1000)
    counts = {
        status: sum(1 for r in rows if r.status == status)
        for status in (CheckInStatus.CONFIRMED, CheckInStatus.PENDING, CheckInStatus.REFUSED)
    }
    with audit.action("demo.check_ins"):
        audit.record("action", detail=f"demo check-ins: {counts}")
    _establish_branches()
    _sign_in_history()
    return counts


def _demo_logins_waiting(
    keep: set[int],
    stations: dict[int, Station],
    rows: list[CheckIn],
    at: list[datetime.datetime],
) -> list[CheckIn]:
    """The other demo member logins with a registered record wait at the nearest station."""
    from liudong.stations import queries

    taken = {row.flow_id for row in rows if row.status == CheckInStatus.PENDING}
    extra: list[CheckIn] = []
    flows = FlowRecord.objects.filter(
        is_open=True,
        status=FlowStatus.REGISTERED,
        member__user__role=Role.MEMBER,
        member__user__username__startswith="member_",
    ).select_related("member", "destination_place")
    for flow in flows.exclude(member__user__in=keep).order_by("id"):
        if flow.pk in taken:
            continue
        nearby = queries.stations_near_place(flow.destination_place, limit=1)
        if not nearby:
            continue
        extra.append(
            CheckIn(
                member=flow.member,
                flow=flow,
                station=nearby[0].station,
                status=CheckInStatus.PENDING,
                method=CheckInMethod.PLACE,
                distance_km=round(nearby[0].distance_km, 2),
            )
        )
        at.append(timezone.now() - datetime.timedelta(hours=3))
    return extra


def _establish_branches() -> None:
    """Branches with three or more full members: approved by the body that set them up."""
    for station in Station.objects.select_related("organization").filter(
        branch_established_on__isnull=True, branch__isnull=False
    ):
        if station.organization.kind not in actions.APPROVING_KINDS:
            continue
        if actions.full_members_of_branch(station) < actions.BRANCH_MINIMUM_FULL_MEMBERS:
            continue
        approved_on = (station.opened_on or timezone.localdate()) + datetime.timedelta(days=14)
        issuer = station.organization.short_name or "平凉"
        actions.establish_branch(
            by=SYSTEM,
            station=station,
            approved_by=station.organization,
            approved_on=min(approved_on, timezone.localdate()),
            reference=f"{issuer}组字〔{approved_on:%Y}〕{station.code[-2:]}号",
        )


def _sign_in_history() -> None:
    """The demo member logins signed in by phone once, yesterday (used codes: staff see
    that a code went out and was used, never the code)."""
    import secrets

    from liudong.accounts.actions import _code_hash
    from liudong.accounts.models import PhoneCode
    from liudong.members.models import Member

    yesterday = timezone.now() - datetime.timedelta(days=1)
    rows = []
    for member in Member.objects.filter(user__username__startswith="member_").order_by("id"):
        if not member.phone_index:
            continue
        rows.append(
            PhoneCode(
                phone_index=member.phone_index,
                phone_masked=member.phone_masked,
                member=member,
                code_hash=_code_hash(member.phone_index, f"{secrets.randbelow(10**6):06d}"),
                ip="127.0.0.1",
                sent=True,
                created_at=yesterday,
                expires_at=yesterday + datetime.timedelta(minutes=5),
                used_at=yesterday + datetime.timedelta(minutes=1),
            )
        )
    PhoneCode.objects.bulk_create(rows)
