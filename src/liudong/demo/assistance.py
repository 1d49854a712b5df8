"""The demo's service requests: every kind and state at the 12 stations.

Per station, members it manages ask for help of the kinds it offers (and "other"): fresh
ones awaiting acceptance, accepted ones, ones in progress with notes, a referral and a photo,
resolved ones, a refused one, and old ones past their deadline that the escalation job sends
to the organization running the station. The three demo member logins have their own: 静宁's
and 灵台's rated one, 泾川's is resolved and waits for the visitor's rating. Written through
the actions (the same rules and audit rows), once: a second run does nothing.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.db import transaction
from django.utils import timezone

from liudong.accounts.models import Role, User
from liudong.assistance import actions, queries
from liudong.assistance.models import REQUEST_KINDS, ServiceRequest
from liudong.core.scope import SYSTEM
from liudong.members.models import FlowRecord, Member
from liudong.stations.models import Station, StationStatus

TEXTS = {
    "policy": "想咨询在外地缴纳党费和参加组织生活的政策，流出期间如何转接组织关系。",
    "hardship": "家中老人生病住院，工地工资拖欠两个月，生活暂时困难，希望得到帮扶。",
    "employment": "现在的工地项目快结束了，想找一份电工方面的工作，希望推荐招聘信息。",
    "legal_aid": "务工期间受伤，包工头不认可工伤，想咨询如何申请法律援助、维护权益。",
    "other": "希望联络站能组织一次老乡座谈会，大家交流在外务工的经验。",
}
PARTNERS = {
    "legal_aid": "区法律援助中心",
    "employment": "区人力资源市场（就业服务中心）",
    "hardship": "街道社会救助服务站",
    "policy": "市委组织部组织科",
    "other": "社区党群服务中心",
}
OUTCOMES = {
    "policy": "已电话解答，并发送了党费缴纳和组织关系转接的办理指南。",
    "hardship": "已协调发放临时救助金，并联系劳动监察督促结清工资。",
    "employment": "已推荐两家企业的电工岗位，本人已参加面试并录用。",
    "legal_aid": "法律援助中心已受理，指派律师代理工伤认定申请。",
    "other": "已于本月组织老乡座谈会，二十余名流动党员参加。",
}
# (state, days ago submitted): one of each per station, in this order.
PLAN = [
    ("submitted", 0),
    ("submitted", 12),  # past the acceptance deadline: escalated
    ("accepted", 2),
    ("in_progress", 6),
    ("in_progress", 45),  # past the resolution deadline: escalated
    ("resolved", 20),
    ("refused", 9),
]


def _png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (120, 80), (236, 240, 244))
    ImageDraw.Draw(image).rectangle((10, 10, 110, 70), outline=(160, 16, 23), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class _Upload(io.BytesIO):
    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name
        self.size = len(data)


def _staff_of(station: Station) -> Any:
    probe = ServiceRequest(station=station)
    return queries.staff_of_station(probe).filter(role=Role.STATION_STAFF).first() or (
        queries.staff_of_station(probe).first()
    )


def _kinds(station: Station) -> list[str]:
    return [k for k in REQUEST_KINDS if k in station.services or k == "other"]


def _advance(request: ServiceRequest, state: str, staff: Any, kind: str, photo: bytes) -> None:
    if state == "refused":
        actions.refuse_request(
            by=staff, request=request, reason="该诉求不属于本站服务范围，已告知本人向户籍地反映。"
        )
        return
    if state == "submitted":
        return
    actions.accept_request(by=staff, request=request, assignee=staff)
    if state == "accepted":
        return
    actions.add_note(by=staff, request=request, text="已电话联系本人，了解具体情况。")
    actions.refer_request(by=staff, request=request, partner=PARTNERS[kind])
    actions.attach(by=staff, request=request, upload=_Upload(photo, "现场照片.png"))
    if state == "in_progress":
        return
    actions.resolve_request(by=staff, request=request, outcome=OUTCOMES[kind])


def _station_requests(station: Station, photo: bytes, now: datetime.datetime) -> int:
    staff = _staff_of(station)
    if staff is None:
        return 0
    flows = list(
        FlowRecord.objects.filter(is_open=True, inflow_organization=station.branch_id)
        .select_related("member")
        .order_by("pk")[: len(PLAN)]
    )
    kinds = _kinds(station)
    made = 0
    for number, (flow, (state, days)) in enumerate(zip(flows, PLAN, strict=False)):
        kind = kinds[(number + station.pk) % len(kinds)]
        request, _new = actions.submit_request(
            by=SYSTEM,
            member=flow.member,
            station=station,
            kind=kind,
            description=TEXTS[kind],
            share_with_home=number % 3 == 0,
            now=now - datetime.timedelta(days=days, hours=number),
        )
        _advance(request, state, staff, kind, photo)
        made += 1
    return made


def _member_logins(stations: list[Station], photo: bytes, now: datetime.datetime) -> int:
    """The demo member logins' own requests (they rate from the phone)."""
    made = 0
    for username, kind, rate in (
        ("member_jn", "employment", 5),
        ("member_lt", "policy", 4),
        ("member_jc", "legal_aid", None),
    ):
        user = User.objects.filter(username=username).first()
        member = Member.objects.filter(user=user).first() if user else None
        flow = FlowRecord.objects.filter(member=member, is_open=True).first() if member else None
        if flow is None:
            continue
        station = next(
            (
                s
                for s in stations
                if s.branch_id == flow.inflow_organization_id and kind in s.services
            ),
            next((s for s in stations if kind in s.services), None),
        )
        staff = _staff_of(station) if station else None
        if staff is None:
            continue
        request, _new = actions.submit_request(
            by=user,
            station=station,
            kind=kind,
            description=TEXTS[kind],
            now=now - datetime.timedelta(days=5),
        )
        _advance(request, "resolved", staff, kind, photo)
        if rate:
            actions.rate_request(
                by=user, request=request, rating=rate, comment="感谢联络站的帮助！"
            )
        made += 1
    return made


@transaction.atomic
def build_requests(now: datetime.datetime | None = None) -> dict[str, int]:
    """Create the demo's service requests once; escalate the overdue ones."""
    if ServiceRequest.objects.exists():
        return {}
    now = now or timezone.now()
    stations = list(
        Station.objects.filter(status=StationStatus.OPEN, branch__isnull=False)
        .select_related("branch", "organization")
        .order_by("code")
    )
    photo = _png()
    made = sum(_station_requests(station, photo, now) for station in stations)
    made += _member_logins(stations, photo, now)
    escalated = actions.escalate_overdue(by=SYSTEM, now=now)["escalated"]
    return {"requests": made, "escalated": escalated}
