"""The demo's activities at the 12 stations: past ones with attendance (volunteer hours
too) and their summary, one over and awaiting its summary, coming ones with sign-ups, a
cancelled one; and a branch meeting of member_jc's home branch, open to sign up.

Written through the activities' actions by each station's staff account (the audit trail
reads as the station's work). Past activities get one to three photos, drawn from a few
small made-up pictures. Attendees are the station's attached members whose home is
in the county running the station (a county's station does not show another county's
members), idempotent: a second run does nothing.
"""

from __future__ import annotations

import datetime
import functools
import io
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from liudong.accounts.models import Role, User
from liudong.activities import actions
from liudong.activities.models import Activity, ActivityKind, Audience
from liudong.core.scope import SYSTEM
from liudong.members.models import Member
from liudong.orgs.models import Organization
from liudong.stations.models import Station

K = ActivityKind
PAST = [
    (-20, 9, K.THEORY_STUDY, "学习贯彻党的二十届三中全会精神专题学习", ""),
    (-9, 14, K.VOLUNTEER_SERVICE, "“红色驿站”社区志愿服务", ""),
]
SUMMARIES = {
    K.THEORY_STUDY: (
        "集中学习会议精神，{n}名流动党员参加，结合务工实际交流学习体会，形成学习心得{n}篇。"
    ),
    K.VOLUNTEER_SERVICE: (
        "组织流动党员到社区开展志愿服务，{n}名党员参加，清理楼道、宣传政策，累计服务{h}小时。"
    ),
}
AWAITING = (-2, 15, K.SKILLS_TRAINING, "新就业群体职业技能培训（电工）")
COMING = [
    (3, 19, K.DISCUSSION, "务工经验交流座谈会", Audience.STATION, 30),
    (10, 9, K.PARTY_SPIRIT, "重温入党誓词主题党日", Audience.STATION, 50),
]
# Stations whose coming party day is open to every member (the others: their own members).
OPEN_AT = {1, 5}
CANCELLED = (6, 14, K.SKILLS_TRAINING, "创业政策解读讲座", "主讲人临时出差，改期另行通知")
AWAITING_AT = {1, 5, 6, 9}
CANCELLED_AT = {2, 6}


def _at(days: int, hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _fields(days: int, hour: int, kind: str, title: str, station: Station, **more: Any) -> dict:
    return {
        "kind": kind,
        "title": title,
        "starts_at": _at(days, hour),
        "ends_at": _at(days, hour) + datetime.timedelta(hours=2),
        "place": f"{station.host_name}党员活动室",
        **more,
    }


def _attendees(station: Station) -> list[Member]:
    """The station's attached members from the county running it (or any, for the city's)."""
    rows = Member.objects.filter(inflow_organization=station.branch_id).order_by("id")
    county = station.organization.county
    if county is not None:
        rows = rows.filter(home_organization__path__startswith=county.path)
    return list(rows[:40])


def _past(by: Any, station: Station, members: list[Member], rng: random.Random) -> int:
    made = 0
    for days, hour, kind, title, _note in PAST:
        present = rng.sample(members, min(len(members), rng.randint(5, 12)))
        hours = 3.0 if kind == K.VOLUNTEER_SERVICE else None
        summary = SUMMARIES[kind].format(n=len(present), h=int((hours or 0) * len(present)))
        activity = actions.record_held_activity(
            by=by,
            organizer=station.branch,
            summary=summary,
            audience=Audience.STATION,
            **_fields(days, hour, kind, title, station),
        )
        for member in present:
            actions.mark_attendance(by=by, activity=activity, member=member, volunteer_hours=hours)
            made += 1
        for number in range(rng.randint(1, 3)):  # photos after it, through the action
            picture = rng.randrange(len(PICTURES))
            actions.add_photo(
                by=by, activity=activity, upload=_picture(picture), name=f"现场照片{number + 1}.jpg"
            )
    return made


PICTURES = (  # (wall, banner, floor): a meeting room, a training hall, a street, a square
    ((236, 230, 218), (200, 22, 29), (150, 111, 74)),
    ((222, 232, 240), (176, 28, 34), (120, 120, 128)),
    ((180, 214, 240), (200, 22, 29), (96, 140, 80)),
    ((246, 238, 214), (160, 20, 26), (190, 176, 150)),
)


@functools.cache
def _picture(index: int) -> bytes:
    """A small made-up photo (a room, a red banner, rows of people), deterministic: the
    demo's activities share these few pictures, drawn once per run."""
    from PIL import Image, ImageDraw

    wall, banner, floor = PICTURES[index]
    image = Image.new("RGB", (480, 320), wall)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 210, 480, 320), fill=floor)
    draw.rectangle((60, 30, 420, 80), fill=banner)
    draw.rectangle((80, 48, 400, 62), fill=(255, 216, 77))
    rng = random.Random(index)
    for row, y in enumerate((170, 215, 260)):
        for x in range(40 + row * 12, 460, 46):
            shade = rng.randint(20, 70)
            draw.ellipse((x, y, x + 22, y + 22), fill=(shade, shade, shade))
            coat = rng.choice(((40, 60, 110), (30, 30, 36), (110, 40, 40), (70, 90, 70)))
            draw.rounded_rectangle((x - 8, y + 22, x + 30, y + 56), radius=8, fill=coat)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70, optimize=True)
    return out.getvalue()


def _coming(
    by: Any, station: Station, members: list[Member], rng: random.Random, number: int
) -> int:
    made = 0
    for days, hour, kind, title, audience, capacity in COMING:
        if kind == K.PARTY_SPIRIT and number in OPEN_AT:
            audience = Audience.OPEN
        activity = actions.plan_activity(
            by=by,
            organizer=station.branch,
            audience=audience,
            capacity=capacity,
            **_fields(days, hour, kind, title, station),
        )
        for member in rng.sample(members, min(len(members), rng.randint(3, 10))):
            actions.sign_up(by=by, activity=activity, member=member)
            made += 1
    return made


@transaction.atomic
def build_activities(seed: int = 20240701) -> dict[str, int]:
    """Create the demo's activities once (a second run does nothing)."""
    if Activity.objects.exists():
        return {}
    rng = random.Random(seed)
    staff = {
        u.organization_id: u
        for u in User.objects.filter(role=Role.STATION_STAFF, is_active=True).order_by("username")
    }
    counts = {"attendance": 0, "sign_ups": 0}
    stations = Station.objects.select_related("branch", "organization").exclude(branch=None)
    for number, station in enumerate(stations.order_by("code"), start=1):
        by = staff.get(station.branch_id, SYSTEM)
        members = _attendees(station)
        counts["attendance"] += _past(by, station, members, rng)
        counts["sign_ups"] += _coming(by, station, members, rng, number)
        if number in AWAITING_AT:
            days, hour, kind, title = AWAITING
            activity = actions.record_held_activity(
                by=by, organizer=station.branch, **_fields(days, hour, kind, title, station)
            )
            for member in members[:4]:
                actions.mark_attendance(by=by, activity=activity, member=member)
                counts["attendance"] += 1
        if number in CANCELLED_AT:
            days, hour, kind, title, reason = CANCELLED
            activity = actions.plan_activity(
                by=by, organizer=station.branch, **_fields(days, hour, kind, title, station)
            )
            actions.cancel_activity(by=by, activity=activity, reason=reason)
    counts["branch_meetings"] = _branch_meetings()
    counts["activities"] = Activity.objects.count()
    return counts


def _branch_meetings() -> int:
    """The home branches of the demo member logins hold their monthly branch meeting
    online, so members away can join (三会一课)."""
    made = 0
    for username in ("member_jc", "member_lt"):
        user = User.objects.filter(username=username).select_related("organization").first()
        if user is None or user.organization is None:
            continue
        branch: Organization = user.organization
        actions.plan_activity(
            by=SYSTEM,
            organizer=branch,
            kind=K.BRANCH_MEETING,
            title=f"{branch.name}党员大会（线上）",
            starts_at=_at(5, 20),
            ends_at=_at(5, 21),
            online_link="https://meeting.example.cn/j/20240701",
            place="",
            audience=Audience.BRANCH,
            capacity=None,
        )
        made += 1
    return made
