"""The demo ledger: Pingliang's mobile members, their flow records, contacts and hand-offs.

Built deterministically (``random.Random(seed)`` and a seeded Faker) and in bulk: rows are
made in memory and written with ``bulk_create``; the whole load leaves one audit row
(bulk writes bypass the per-object audit signals). At full size it has the seed's figures:
5,998 members with an open flow record, of whom 1,854 went to the four station cities,
1,321 came to Pingliang from elsewhere and 2,823 went elsewhere. A smaller ``total``
scales every group and keeps a few members of every group and status in every county.
"""

from __future__ import annotations

import datetime
import json
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from faker import Faker
from faker.providers.person.zh_CN import Provider as ChineseNames

from liudong.accounts.models import Role, User
from liudong.analytics.figures.definitions import CONTACT_PERIOD_DAYS
from liudong.core import audit, crypto
from liudong.demo import tree
from liudong.members import actions
from liudong.members.idnumber import check_character
from liudong.members.models import (
    Contact,
    ContactMethod,
    Direction,
    FlowRecord,
    FlowScope,
    FlowStatus,
    Handoff,
    HandoffKind,
    HandoffState,
    Member,
    Membership,
)
from liudong.orgs.models import Organization, OrgKind
from liudong.regions.models import Place

FULL_TOTAL = 5998
STATION_CITIES = "station_cities"  # outflow to 兰州, 西安, 银川, 乌鲁木齐
INFLOW = "inflow"  # members from elsewhere living in Pingliang
ELSEWHERE = "elsewhere"  # outflow anywhere else
GROUPS: dict[str, int] = {STATION_CITIES: 1854, INFLOW: 1321, ELSEWHERE: 2823}
STATION_CITY_PREFIXES = ("6201", "6101", "6401", "6501")

# Home counties weighted by population (静宁, 庄浪 and 崆峒 largest).
COUNTY_WEIGHTS: dict[str, float] = {
    "620802": 20,  # 崆峒区
    "620821": 12,  # 泾川县
    "620822": 9,  # 灵台县
    "620823": 6,  # 崇信县
    "620825": 19,  # 庄浪县
    "620826": 22,  # 静宁县
    "620881": 10,  # 华亭市
}
# Inflow members by the county they live in: mostly the city seat and 华亭.
INFLOW_COUNTY_WEIGHTS: dict[str, float] = {
    "620802": 50,
    "620821": 7,
    "620822": 5,
    "620823": 4,
    "620825": 6,
    "620826": 8,
    "620881": 20,
}
# Station cities and their districts; the stations' districts take most members.
STATION_CITY_WEIGHTS: dict[str, float] = {"6201": 44, "6101": 36, "6401": 12, "6501": 8}
DISTRICT_WEIGHTS: dict[str, float] = {
    "620102": 30,
    "620103": 22,
    "620105": 18,
    "620104": 12,
    "620111": 4,
    "620121": 4,
    "620122": 3,
    "620123": 7,
    "610104": 25,
    "610113": 25,
    "610112": 20,
    "610102": 6,
    "610103": 6,
    "610111": 4,
    "610116": 6,
    "610114": 2,
    "610115": 2,
    "610117": 2,
    "610118": 2,
    "640104": 60,
    "640106": 20,
    "640105": 15,
    "640121": 5,
    "650102": 55,
    "650103": 20,
    "650104": 10,
    "650105": 10,
    "650109": 5,
}
# A county's members cluster where the county set up its station.
STATION_AFFINITY: dict[tuple[str, str], float] = {
    ("620826", "620103"): 3,
    ("620825", "620105"): 3,
    ("620802", "610104"): 2,
    ("620821", "610113"): 2,
    ("620822", "610112"): 2,
}
# Station branch (620800-LDnn) by district; other districts of the city by home county.
STATION_BY_DISTRICT = {
    "620102": 1,
    "620103": 2,
    "620105": 3,
    "610104": 4,
    "610113": 5,
    "610112": 6,
    "640104": 7,
    "650102": 8,
}
STATION_BY_CITY_AND_COUNTY = {
    ("6201", "620826"): 2,
    ("6201", "620825"): 3,
    ("6201", ""): 1,
    ("6101", "620802"): 4,
    ("6101", "620821"): 5,
    ("6101", "620822"): 6,
    ("6101", ""): 4,
    ("6401", ""): 7,
    ("6501", ""): 8,
}
# Everywhere else, by prefecture (first four digits), in plausible proportions.
ELSEWHERE_WEIGHTS: dict[str, float] = {
    # Gansu: 庆阳, 天水, 白银, 酒泉, 定西, 武威, 张掖, 金昌, 陇南
    "6210": 8,
    "6205": 6,
    "6204": 3,
    "6209": 3,
    "6211": 3,
    "6206": 2,
    "6207": 2,
    "6203": 1,
    "6212": 1,
    "6208": 8,  # another county of Pingliang
    # Shaanxi beyond Xi'an: 宝鸡, 咸阳, 延安, 榆林, 渭南
    "6103": 5,
    "6104": 6,
    "6106": 2,
    "6108": 3,
    "6105": 1,
    # Ningxia beyond Yinchuan: 固原, 吴忠, 石嘴山, 中卫
    "6404": 3,
    "6403": 2,
    "6402": 1,
    "6405": 1,
    # Xinjiang beyond Urumqi: 昌吉, 克拉玛依, 伊犁, 哈密
    "6523": 2,
    "6502": 1,
    "6540": 1,
    "6505": 1,
    "1101": 5,  # Beijing
    "3101": 3,  # Shanghai
    # Guangdong: 深圳, 广州, 佛山 (东莞 has no county-level code to record a stay in)
    "4403": 5,
    "4401": 3,
    "4406": 2,
    "3205": 3,  # 苏州
    "3201": 2,  # 南京
    "3301": 3,  # 杭州
    "3302": 2,  # 宁波
    "6301": 2,  # 西宁
    "5101": 2,  # 成都
}
# Where inflow members' membership is: mostly Gansu (定西, 庆阳, 天水), Shaanxi, Ningxia.
INFLOW_HOME_WEIGHTS: dict[str, float] = {
    "6211": 18,
    "6210": 16,
    "6205": 12,
    "6212": 4,
    "6204": 3,
    "6201": 4,
    "6229": 3,
    "6103": 8,
    "6104": 8,
    "6101": 3,
    "6404": 12,
    "6403": 3,
    "6401": 2,
    "4101": 2,
    "5101": 2,
}
# Inflow members are attached to the four service stations (LD09–LD12), and live in the
# county that INFLOW_COUNTY_WEIGHTS draws (their county of residence, decision 95).
INFLOW_STATIONS: dict[str, dict[int, float]] = {
    "620802": {9: 5, 10: 3, 11: 2},
    "620881": {12: 1},
}
INFLOW_STATIONS_OTHER = {11: 3, 9: 1}  # the incubator serves new-economy workers citywide

ETHNICITY_WEIGHTS = {"01": 90.0, "03": 8.5, "04": 0.4, "26": 0.4, "02": 0.3, "11": 0.4}
ETHNICITY_WEIGHTS_NINGXIA = {"01": 62.0, "03": 37.0, "11": 1.0}
EDUCATION_WEIGHTS = {
    "11": 0.3,
    "14": 4,
    "21": 25,
    "31": 25,
    "41": 10,
    "61": 18,
    "71": 14,
    "81": 3,
}
METHOD_WEIGHTS = {
    ContactMethod.PHONE: 50,
    ContactMethod.MESSAGE: 25,
    ContactMethod.VISIT: 15,
    ContactMethod.MEETING: 10,
}
PHONE_PREFIXES = [
    str(p)
    for p in (*range(130, 140), *range(150, 160), 173, 175, 176, 177, 178, *range(180, 190), 191)
    if p not in (154, 184)
] + ["198", "199"]
VILLAGE_STEMS = tree.VILLAGE_STEMS + [
    "中川",
    "凤翔",
    "巉口",
    "大庄",
    "罗家",
    "韩家湾",
    "新集",
    "何家",
    "峡口",
    "团结",
]
UNIVERSITIES = {
    "6201": ["兰州大学", "西北师范大学", "兰州理工大学", "兰州交通大学"],
    "6101": ["西安交通大学", "西北大学", "陕西师范大学", "西安建筑科技大学"],
    "6401": ["宁夏大学", "北方民族大学"],
    "6501": ["新疆大学", "新疆医科大学"],
    "1101": ["北京师范大学", "中国农业大学"],
    "3101": ["华东师范大学", "同济大学"],
}
CONTACT_NOTES = {
    ContactMethod.PHONE: [
        "电话联系，工作生活正常",
        "电话了解近况，已提醒按时交纳党费",
        "电话通知参加线上主题党日",
        "电话核实现居住地址和工作单位",
    ],
    ContactMethod.MESSAGE: [
        "微信群推送学习资料，已回复",
        "短信提醒按期报告思想工作情况",
        "微信沟通，本人已完成线上学习",
    ],
    ContactMethod.VISIT: [
        "走访家属，了解党员在外情况",
        "上门走访，送去学习资料",
        "联络站走访，慰问并了解诉求",
    ],
    ContactMethod.MEETING: [
        "参加联络站组织的组织生活会",
        "参加流动党员座谈会",
        "返乡期间参加支部主题党日",
    ],
}
HANDOFF_TEXT = {
    HandoffKind.VISIT: ("请协助走访该党员，了解其工作生活情况", "已走访，情况良好"),
    HandoffKind.CONFIRM_CHECK_IN: ("该党员已登记外出，请确认是否已到站报到", "已确认到站报到"),
    HandoffKind.CONDUCT_FEEDBACK: (
        "年度民主评议，请反馈该党员在流入地的表现",
        "该党员表现良好，按时参加组织生活",
    ),
}
REFUSALS = [
    "该党员已离开本市，无法走访，请核实现居住地",
    "联系电话无人接听，尚未到站报到，请提供新的联系方式",
    "本站未掌握该党员情况，建议联系其所在单位",
]
LOST_REASONS = ["多次电话联系未果，正在查找", "原联系方式停用，已委托流入地协助查找"]
HISTORY_REASONS = {
    FlowStatus.RETURNED: ["返乡创业", "返乡照顾家人", "合同期满返回"],
    FlowStatus.TRANSFERRED: ["组织关系已转入工作单位党组织", "组织关系转入居住地社区党组织"],
    FlowStatus.SUSPENDED: ["失联超过六个月，经查找仍无法取得联系，停止党籍"],
}


# Faker zh_CN's names, drawn with our seeded generator (Faker's own draw is 10x slower).
SURNAMES = list(ChineseNames.last_names)
SURNAME_WEIGHTS = list(accumulate(ChineseNames.last_names.values()))


def _weighted(rng: random.Random, weights: dict[Any, float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _apportion(total: int, weights: dict[str, float], minimum: int = 0) -> dict[str, int]:
    """Split ``total`` by ``weights`` (largest remainder), each key getting ``minimum`` first."""
    keys = list(weights)
    minimum = min(minimum, total // max(len(keys), 1))
    rest = total - minimum * len(keys)
    scale = sum(weights.values())
    exact = {k: rest * weights[k] / scale for k in keys}
    counts = {k: minimum + int(exact[k]) for k in keys}
    left = total - sum(counts.values())
    for k in sorted(keys, key=lambda k: exact[k] - int(exact[k]), reverse=True)[:left]:
        counts[k] += 1
    return counts


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass
class _Plan:
    """One member and the open record, before the rows are made."""

    group: str
    county: str  # the Pingliang county: home county (outflow) or where they live (inflow)
    slot: int  # position in the (group, county) bucket: the first ones get every status
    status: str = FlowStatus.REGISTERED
    history: str = ""  # a closed earlier record's status, if any
    extra: dict[str, Any] = field(default_factory=dict)


class _Builder:
    def __init__(self, total: int, seed: int, today: datetime.date) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.total = total
        self.today = today
        self.places = {p.code: p for p in Place.objects.filter(level=3)}
        self.prefectures = {p.code[:4]: p for p in Place.objects.filter(level=2)}
        self.counties_of: dict[str, list[str]] = defaultdict(list)
        for code in sorted(self.places):
            self.counties_of[code[:4]].append(code)
        orgs = Organization.objects.filter(
            Q(kind=OrgKind.BRANCH)
            | Q(kind=OrgKind.MOBILE_BRANCH)
            | Q(kind=OrgKind.COUNTY_COMMITTEE)
        )
        self.county_orgs: dict[str, Organization] = {}
        self.branches: dict[str, list[Organization]] = defaultdict(list)
        self.stations: dict[int, Organization] = {}
        for org in orgs.order_by("code"):
            if org.kind == OrgKind.COUNTY_COMMITTEE:
                self.county_orgs[org.code] = org
            elif org.kind == OrgKind.MOBILE_BRANCH and org.code.startswith("620800-LD"):
                self.stations[int(org.code[-2:])] = org
            elif org.kind == OrgKind.BRANCH and org.code[:6] in COUNTY_WEIGHTS:
                self.branches[org.code[:6]].append(org)
        missing = [c for c in COUNTY_WEIGHTS if not self.branches.get(c)]
        if missing or len(self.stations) < 12:
            raise RuntimeError("Build the demo tree first (liudong.demo.tree.build()).")
        self.users_by_org: dict[int, User] = {}
        for user in User.objects.filter(role__in=(Role.COUNTY_ADMIN, Role.STATION_STAFF)):
            self.users_by_org.setdefault(user.organization_id, user)
        self.member_users = {
            u.organization.code[:6]: u
            for u in User.objects.filter(role=Role.MEMBER, member__isnull=True)
            .select_related("organization")
            .order_by("username")
            if u.organization_id
        }
        self.id_numbers: set[str] = set()
        self.phones: set[str] = {u.phone for u in self.member_users.values() if u.phone}
        self.pinyin: dict[str, str] = {}

    # --- plans ---------------------------------------------------------------------------

    def plans(self) -> list[_Plan]:
        sizes = _apportion(self.total, {g: float(n) for g, n in GROUPS.items()})
        if self.total == FULL_TOTAL and sizes != GROUPS:
            raise RuntimeError(f"The seed's figures are {GROUPS}, not {sizes}.")
        plans: list[_Plan] = []
        for group, size in sizes.items():
            weights = INFLOW_COUNTY_WEIGHTS if group == INFLOW else COUNTY_WEIGHTS
            for county, n in _apportion(size, weights, minimum=4).items():
                plans += [_Plan(group, county, slot) for slot in range(n)]
        self.rng.shuffle(plans)
        for plan in plans:
            self._destination(plan)
        self._statuses(plans)
        return plans

    def _scope(self, plan: _Plan) -> str:
        return actions.flow_scope_between(plan.extra["origin"], plan.extra["destination"])

    def _destination(self, plan: _Plan) -> None:
        rng, county = self.rng, plan.county
        if plan.group == STATION_CITIES:
            city = _weighted(rng, STATION_CITY_WEIGHTS)
            districts = {
                d: w * STATION_AFFINITY.get((county, d), 1)
                for d, w in DISTRICT_WEIGHTS.items()
                if d.startswith(city) and d in self.places
            }
            destination = _weighted(rng, districts)
            station = STATION_BY_DISTRICT.get(destination) or STATION_BY_CITY_AND_COUNTY.get(
                (city, county), STATION_BY_CITY_AND_COUNTY[(city, "")]
            )
            plan.extra.update(origin=county, destination=destination, station=station)
        elif plan.group == INFLOW:
            prefecture = _weighted(rng, INFLOW_HOME_WEIGHTS)
            home = rng.choice(self.counties_of[prefecture])
            station = _weighted(rng, INFLOW_STATIONS.get(county, INFLOW_STATIONS_OTHER))
            plan.extra.update(origin=home, destination=county, station=station)
        else:
            prefecture = _weighted(rng, ELSEWHERE_WEIGHTS)
            choices = [c for c in self.counties_of[prefecture] if c != county]
            # Urban districts come first in the code list and draw more people.
            weights = [1.0 / (i + 1) ** 0.6 for i in range(len(choices))]
            if prefecture == "6208":  # within Pingliang: mostly to the city seat
                weights = [4.0 if c == "620802" else 1.0 for c in choices]
            destination = rng.choices(choices, weights=weights)[0]
            station = None
            if destination == "620802":
                station = _weighted(rng, INFLOW_STATIONS["620802"])
            elif destination == "620881":
                station = 12
            plan.extra.update(origin=county, destination=destination, station=station)

    def _statuses(self, plans: list[_Plan]) -> None:
        """Open status and history. The first members of each (group, county) bucket take
        lost, registered and managed; the first of each county's outflow take a closed
        returned, transferred and suspended record as history; the rest by chance."""
        rng = self.rng
        forced_open = {0: FlowStatus.LOST, 1: FlowStatus.REGISTERED, 2: FlowStatus.MANAGED}
        forced_history = {0: FlowStatus.RETURNED, 1: FlowStatus.TRANSFERRED}
        for plan in plans:
            scope = self._scope(plan)
            if plan.slot in forced_open:
                plan.status = forced_open[plan.slot]
            elif rng.random() < 0.005:
                plan.status = FlowStatus.LOST
            else:
                if scope != FlowScope.OUT_OF_PROVINCE:
                    p_managed = 0.90
                elif plan.group == STATION_CITIES:
                    p_managed = 0.40
                elif plan.group == INFLOW:
                    p_managed = 0.60
                else:
                    p_managed = 0.17
                managed = rng.random() < p_managed
                plan.status = FlowStatus.MANAGED if managed else FlowStatus.REGISTERED
            if plan.group == INFLOW:
                continue
            if plan.group == ELSEWHERE and plan.slot in forced_history:
                plan.history = forced_history[plan.slot]
            elif plan.group == STATION_CITIES and plan.slot == 3:
                plan.history = FlowStatus.SUSPENDED
            else:
                roll = rng.random()
                if roll < 0.08:
                    plan.history = FlowStatus.RETURNED
                elif roll < 0.10:
                    plan.history = FlowStatus.TRANSFERRED
                elif roll < 0.102:
                    plan.history = FlowStatus.SUSPENDED

    # --- people --------------------------------------------------------------------------

    def _id_number(self, place: str, birth: datetime.date, sex: str) -> str:
        # Sequence codes 001–099 only: the tests' helper numbers from 101 up.
        while True:
            seq = self.rng.randrange(1, 100)
            if (seq % 2 == 1) != (sex == "1"):
                seq = seq + 1 if seq < 99 else seq - 1
            first17 = f"{place}{birth:%Y%m%d}{seq:03d}"
            number = first17 + check_character(first17)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def _phone(self) -> str:
        while True:
            phone = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def _pinyin(self, name: str) -> str:
        if name not in self.pinyin:
            self.pinyin[name] = actions.pinyin_key(name)
        return self.pinyin[name]

    def _home_name(self, home: str) -> str:
        rng = self.rng
        county = self.places[home].name
        prefecture = self.prefectures.get(home[:4])
        prefix = prefecture.name if prefecture and prefecture.code[:2] not in ("11", "31") else ""
        stem = rng.choice(VILLAGE_STEMS)
        kind = rng.random()
        if kind < 0.6:
            return f"{prefix}{county}{stem}村党支部"
        if kind < 0.85:
            return f"{prefix}{county}{stem}社区党支部"
        return f"{prefix}{county}{rng.choice(['农业农村局', '教育局', '交通运输局'])}机关党支部"

    def member(self, plan: _Plan) -> Member:
        rng, today = self.rng, self.today
        sex = "2" if rng.random() < 0.34 else "1"
        given = ChineseNames.first_names_female if sex == "2" else ChineseNames.first_names_male
        name = rng.choices(SURNAMES, cum_weights=SURNAME_WEIGHTS)[0] + rng.choice(given)
        age = int(min(75, max(22, rng.triangular(22, 75, 34))))
        if plan.history:
            age = max(age, 27)  # room for an earlier stay away as an adult
        birth = _years_before(today, age) - datetime.timedelta(days=rng.randrange(1, 365))
        if plan.group == INFLOW:
            home_place = plan.extra["origin"]
            home_org = None
            home_name = self._home_name(home_place)
        else:
            home_place = plan.county
            home_org = rng.choice(self.branches[plan.county])
            home_name = ""
        ethnicity_weights = (
            ETHNICITY_WEIGHTS_NINGXIA if home_place.startswith("64") else ETHNICITY_WEIGHTS
        )
        probationary = rng.random() < 0.03
        adult = _years_before(birth, -18)
        if probationary:
            joined = today - datetime.timedelta(days=rng.randrange(30, 360))
        else:
            latest = min(_years_before(today, 1), _years_before(birth, -50))
            joined = adult + datetime.timedelta(days=rng.randrange(0, (latest - adult).days))
        number = self._id_number(home_place, birth, sex)
        phone = self._phone()
        plan.extra["age"] = age
        return Member(
            name=name,
            name_pinyin=self._pinyin(name),
            sex=sex,
            ethnicity=_weighted(rng, ethnicity_weights),
            birth_date=birth,
            id_number=number,
            id_number_index=crypto.blind_index(number, purpose="id_number"),
            id_number_masked=crypto.mask_id_number(number),
            phone=phone,
            phone_index=crypto.blind_index(phone, purpose="phone"),
            phone_masked=crypto.mask_phone(phone),
            education=_weighted(rng, EDUCATION_WEIGHTS),
            joined_on=joined,
            membership=Membership.PROBATIONARY if probationary else Membership.FULL,
            home_organization=home_org,
            home_organization_name=home_name,
            home_place_id=home_place,
        )

    # --- records -------------------------------------------------------------------------

    def _reason(self, age: int) -> str:
        """Mostly work or business, then study (the young), family, other."""
        p_study = 0.5 if age <= 30 else 0.12 if age <= 40 else 0.03
        if self.rng.random() < p_study:
            return "study"
        return _weighted(self.rng, {"work": 82, "family": 12, "other": 6})

    def _employer(self, reason: str, destination: str) -> str:
        if reason == "study":
            options = UNIVERSITIES.get(destination[:4])
            if options:
                return self.rng.choice(options)
            prefecture = self.prefectures.get(destination[:4])
            return f"{prefecture.short_name if prefecture else ''}职业技术学院"
        if reason == "family":
            return ""
        return self.fake.company()

    def _address(self, destination: str) -> str:
        place = self.places[destination]
        return f"{place.name}{self.fake.street_name()}{self.rng.randrange(1, 400)}号"

    def _day(self, low: int, high: int) -> datetime.date:
        """A day between ``high`` and ``low`` days ago."""
        return self.today - datetime.timedelta(days=self.rng.randint(low, high))

    def open_flow(self, plan: _Plan, member: Member) -> FlowRecord:
        rng, today = self.rng, self.today
        origin, destination = plan.extra["origin"], plan.extra["destination"]
        reason = self._reason(plan.extra["age"])
        status = plan.status
        earliest = _years_before(member.birth_date, -(21 if plan.history else 18))
        if status == FlowStatus.REGISTERED and rng.random() < 0.35:
            left_on = self._day(20, 200)  # registered recently
        else:
            left_on = today - datetime.timedelta(days=int(200 + rng.expovariate(1 / 700)))
        left_on = max(left_on, earliest, today - datetime.timedelta(days=3650))
        station = plan.extra.get("station")
        inflow_org = None
        managed_on = None
        # Inflow records always name their station; outflow ones once checked in there, or
        # (station cities) when the station expects the member.
        attached = plan.group == INFLOW or (
            station
            and (
                status == FlowStatus.MANAGED
                or (plan.group == STATION_CITIES and rng.random() < 0.4)
                or (status == FlowStatus.LOST and rng.random() < 0.5)
            )
        )
        if attached:
            inflow_org = self.stations[station]
        days_away = (today - left_on).days
        last_contact = None
        status_changed = left_on + datetime.timedelta(days=rng.randint(0, min(20, days_away)))
        status_reason = ""
        if status == FlowStatus.MANAGED:
            managed_on = left_on + datetime.timedelta(days=rng.randint(3, max(3, days_away // 2)))
            managed_on = min(managed_on, today)
            status_changed = managed_on
            roll = rng.random()
            if roll < 0.88:
                last_contact = self._day(0, 85)
            elif roll < 0.97:
                last_contact = self._day(100, 175)
            else:
                last_contact = self._day(180, 230)
        elif status == FlowStatus.REGISTERED:
            roll = rng.random()
            if roll < 0.74:
                last_contact = self._day(0, 85)
            elif roll < 0.84:
                last_contact = self._day(100, 170)
            elif left_on < today - datetime.timedelta(days=200) and rng.random() < 0.5:
                left_on = self._day(20, 80)  # never contacted: mostly registered lately
                days_away = (today - left_on).days
            status_changed = left_on + datetime.timedelta(days=rng.randint(0, min(20, days_away)))
        else:  # lost: no contact for over six months
            if days_away > 400 and rng.random() < 0.5:
                managed_on = left_on + datetime.timedelta(days=rng.randint(10, 120))
            if rng.random() < 0.8 and days_away > 220:
                last_contact = self._day(200, min(days_away, 500))
            since = max(last_contact or left_on, left_on) + datetime.timedelta(days=183)
            status_changed = min(today, since + datetime.timedelta(days=rng.randint(0, 60)))
            status_reason = rng.choice(LOST_REASONS)
        if last_contact is not None and last_contact < left_on:
            last_contact = left_on if status != FlowStatus.LOST else None
        expected = None
        if reason == "study" or rng.random() < 0.12:
            expected = today + datetime.timedelta(days=rng.randint(30, 900))
        # Every member in a station city is served by their liaison station, as the written
        # definition says (analytics.figures.definitions): attached there (above), or, not
        # checked in, reached by the station's staff in the period (their latest contact is
        # the station's, see contacts()); one the staff have not reached lately has checked
        # in there instead (attached, awaiting management).
        contacting_station = None
        if plan.group == STATION_CITIES and inflow_org is None:
            recent = today - datetime.timedelta(days=CONTACT_PERIOD_DAYS - 30)
            if last_contact is not None and last_contact >= recent:
                contacting_station = self.stations[station]
            else:
                inflow_org = self.stations[station]
        record = FlowRecord(
            member=member,
            direction=Direction.INFLOW if plan.group == INFLOW else Direction.OUTFLOW,
            flow_scope=actions.flow_scope_between(origin, destination),
            origin_place_id=origin,
            destination_place_id=destination,
            destination_address=self._address(destination),
            employer=self._employer(reason, destination),
            reason=reason,
            left_on=left_on,
            expected_return_on=expected,
            home_organization=member.home_organization,
            inflow_organization=inflow_org,
            status=status,
            is_open=True,
            status_changed_on=status_changed,
            status_reason=status_reason,
            managed_on=managed_on,
            last_contact_on=last_contact,
        )
        record.demo_contacting_station = contacting_station
        return record

    def closed_flow(self, plan: _Plan, member: Member, current: FlowRecord) -> FlowRecord | None:
        """An earlier stay away, closed before the current one began."""
        rng = self.rng
        closed_on = current.left_on - datetime.timedelta(days=rng.randint(30, 400))
        left_on = closed_on - datetime.timedelta(days=rng.randint(200, 1500))
        left_on = max(left_on, _years_before(member.birth_date, -18))
        if (closed_on - left_on).days < 60:
            return None  # cannot happen: members with history are old enough (see member())
        prefecture = _weighted(rng, ELSEWHERE_WEIGHTS | dict.fromkeys(STATION_CITY_PREFIXES, 6))
        destination = rng.choice([c for c in self.counties_of[prefecture] if c != plan.county])
        status = plan.history
        managed = status != FlowStatus.SUSPENDED and rng.random() < 0.6
        managed_on = left_on + datetime.timedelta(days=rng.randint(10, 90)) if managed else None
        if status == FlowStatus.SUSPENDED:
            last_contact = left_on + datetime.timedelta(days=rng.randint(10, 60))
        else:
            last_contact = closed_on - datetime.timedelta(days=rng.randint(0, 60))
        last_contact = min(max(last_contact, left_on), closed_on)
        return FlowRecord(
            member=member,
            direction=Direction.OUTFLOW,
            flow_scope=actions.flow_scope_between(plan.county, destination),
            origin_place_id=plan.county,
            destination_place_id=destination,
            destination_address=self._address(destination),
            employer=self._employer("work", destination),
            reason="work",
            left_on=left_on,
            home_organization=member.home_organization,
            status=status,
            is_open=False,
            status_changed_on=closed_on,
            status_reason=rng.choice(HISTORY_REASONS[status]),
            closed_on=closed_on,
            managed_on=managed_on,
            last_contact_on=last_contact,
        )

    def contacts(self, flow: FlowRecord) -> list[Contact]:
        """Contacts ending on the record's last contact, every month or few back in time."""
        if flow.last_contact_on is None:
            return []
        rng = self.rng
        horizon = max(flow.left_on, self.today - datetime.timedelta(days=540))
        if not flow.is_open:
            horizon = max(flow.left_on, flow.last_contact_on - datetime.timedelta(days=200))
        rows: list[Contact] = []
        day = flow.last_contact_on
        station = getattr(flow, "demo_contacting_station", None)
        while day >= horizon and len(rows) < 5:
            method = _weighted(rng, METHOD_WEIGHTS)
            side = flow.home_organization or flow.inflow_organization
            if flow.inflow_organization is not None and rng.random() < 0.35:
                side = flow.inflow_organization
            if flow.home_organization is None:
                side = flow.inflow_organization
            if station is not None and not rows:  # the latest: the station's staff
                side = station
            rows.append(
                Contact(
                    flow=flow,
                    contacted_on=day,
                    method=method,
                    by=self._user_for(side),
                    organization=side,
                    note=rng.choice(CONTACT_NOTES[method]),
                )
            )
            day -= datetime.timedelta(days=rng.randint(40, 130))
        return rows

    def _user_for(self, org: Organization) -> User | None:
        user = self.users_by_org.get(org.pk)
        if user is None and org.kind == OrgKind.BRANCH:
            county = self.county_orgs.get(org.code[:6])
            user = self.users_by_org.get(county.pk) if county else None
        return user

    def handoffs(self, flows: Sequence[tuple[_Plan, FlowRecord]]) -> list[Handoff]:
        """A few dozen in each state, at least one of each in every county."""
        rng = self.rng
        per_state = max(len(COUNTY_WEIGHTS), round(30 * self.total / FULL_TOTAL))
        both_sides: dict[str, list[FlowRecord]] = defaultdict(list)
        for plan, flow in flows:
            if flow.home_organization_id and flow.inflow_organization_id:
                both_sides[plan.county].append(flow)
        states = [HandoffState.OPEN, HandoffState.DONE, HandoffState.REFUSED]
        picks: list[tuple[str, FlowRecord]] = []
        used: set[int] = set()
        for county in COUNTY_WEIGHTS:
            candidates = both_sides.get(county, [])
            self.rng.shuffle(candidates)
            for i, state in enumerate(states if candidates else []):
                flow = candidates[i % len(candidates)]  # a record may carry several
                picks.append((state, flow))
                used.add(flow.pk)
        pool = [
            f for county in COUNTY_WEIGHTS for f in both_sides.get(county, []) if f.pk not in used
        ]
        rng.shuffle(pool)
        wanted = Counter(state for state, _ in picks)
        for state in states:
            while wanted[state] < per_state and pool:
                picks.append((state, pool.pop()))
                wanted[state] += 1
        rows: list[Handoff] = []
        now = timezone.now()
        for state, flow in picks:
            if flow.status == FlowStatus.REGISTERED:
                kind = HandoffKind.CONFIRM_CHECK_IN
            else:
                kind = _weighted(rng, {HandoffKind.VISIT: 3, HandoffKind.CONDUCT_FEEDBACK: 2})
            sender, receiver = flow.home_organization, flow.inflow_organization
            message, reply = HANDOFF_TEXT[kind]
            if kind == HandoffKind.VISIT and rng.random() < 0.25:  # the station asks home
                sender, receiver = receiver, sender
                message, reply = "请协助走访该党员家属，核实联系方式", "已走访家属，联系方式已更新"
            raised = now - datetime.timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 9))
            handoff = Handoff(
                flow=flow,
                kind=kind,
                message=message,
                from_organization=sender,
                to_organization=receiver,
                state=state,
                created_by=self._user_for(sender),
            )
            handoff.raised_at = raised
            if state != HandoffState.OPEN:
                handoff.response = reply if state == HandoffState.DONE else rng.choice(REFUSALS)
                handoff.resolved_by = self._user_for(receiver)
                handoff.resolved_at = min(now, raised + datetime.timedelta(days=rng.randint(1, 10)))
            rows.append(handoff)
        return rows


def _count_open(flows: Any) -> dict[str, int]:
    return dict(flows.values_list("status").annotate(n=Count("id")).order_by())


def ledger_counts() -> dict[str, int]:
    """The ledger's figures, computed from the database."""
    from liudong.members.models import Alert

    open_flows = FlowRecord.objects.filter(is_open=True)
    outflow = open_flows.filter(direction=Direction.OUTFLOW)
    to_stations = Q()
    for prefix in STATION_CITY_PREFIXES:
        to_stations |= Q(destination_place__code__startswith=prefix)
    by_status = _count_open(open_flows)
    closed = _count_open(FlowRecord.objects.filter(is_open=False))
    handoffs = dict(Handoff.objects.values_list("state").annotate(n=Count("id")).order_by())
    counts = {
        "members": Member.objects.count(),
        "outflow_station_cities": outflow.filter(to_stations).count(),
        "inflow": open_flows.filter(direction=Direction.INFLOW).count(),
        "outflow_elsewhere": outflow.exclude(to_stations).count(),
    }
    for status in (FlowStatus.REGISTERED, FlowStatus.MANAGED, FlowStatus.LOST):
        counts[f"open_{status}"] = by_status.get(status, 0)
    for status in (FlowStatus.RETURNED, FlowStatus.TRANSFERRED, FlowStatus.SUSPENDED):
        counts[f"closed_{status}"] = closed.get(status, 0)
    counts["contacts"] = Contact.objects.count()
    for state in HandoffState:
        counts[f"handoffs_{state}"] = handoffs.get(state, 0)
    counts["alerts_open"] = Alert.objects.filter(resolved=False).count()
    return counts


def build_ledger(
    total: int = FULL_TOTAL, seed: int = tree.SEED, today: datetime.date | None = None
) -> dict[str, int]:
    """Build the demo ledger once (a second run does nothing) and return its figures."""
    from liudong.demo import checkins

    if not Member.objects.exists():
        _build(total, seed, today or timezone.localdate())
    checkins.build_check_ins(seed=seed)
    from liudong.demo.assistance import build_requests

    build_requests()
    return ledger_counts()


@transaction.atomic
def _build(total: int, seed: int, today: datetime.date) -> None:
    from liudong.demo import census_import
    from liudong.members import alerts

    builder = _Builder(total, seed, today)
    plans = builder.plans()
    members = [builder.member(plan) for plan in plans]
    # The demo's member logins get a ledger entry of their own, in their branch: members who
    # went to a station city (泾川's and 灵台's registered, awaiting check-in; 静宁's managed).
    wanted = {"620821": FlowStatus.REGISTERED, "620822": FlowStatus.REGISTERED}
    for plan, member in zip(plans, members, strict=True):
        user = builder.member_users.get(plan.county)
        if (
            plan.group == STATION_CITIES
            and plan.status == wanted.get(plan.county, FlowStatus.MANAGED)
            and user is not None
            and user.organization.kind == OrgKind.BRANCH
        ):
            member.user, member.home_organization = user, user.organization
            if user.phone:
                member.phone = user.phone
                member.phone_index = crypto.blind_index(user.phone, purpose="phone")
                member.phone_masked = crypto.mask_phone(user.phone)
            del builder.member_users[plan.county]
    flows = [builder.open_flow(plan, member) for plan, member in zip(plans, members, strict=True)]
    history = {
        n: builder.closed_flow(plan, member, flow)
        for n, (plan, member, flow) in enumerate(zip(plans, members, flows, strict=True))
        if plan.history
    }
    history = {n: f for n, f in history.items() if f is not None}
    # Through the census importer, county by county (issue 12, item 3).
    census_import.write(members, flows, history, today)
    all_flows = list(history.values()) + flows
    contacts = [c for flow in all_flows for c in builder.contacts(flow)]
    Contact.objects.bulk_create(contacts, batch_size=2000)
    handoffs = builder.handoffs(list(zip(plans, flows, strict=True)))
    Handoff.objects.bulk_create(handoffs, batch_size=1000)
    for handoff in handoffs:  # auto_now_add stamped "now": date them when they were raised
        handoff.created_at = handoff.raised_at
    Handoff.objects.bulk_update(handoffs, ["created_at"], batch_size=1000)
    counts = {
        "members": len(members),
        "flow_records": len(all_flows),
        "contacts": len(contacts),
        "handoffs": len(handoffs),
        "seed": seed,
    }
    with audit.action("demo.ledger"):
        audit.record("action", detail="demo ledger: " + json.dumps(counts))
    alerts.scan(today=today)
