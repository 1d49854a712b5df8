"""The Pingliang demo organization tree and its accounts, built deterministically."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from liudong.accounts.models import Role, User
from liudong.core import audit
from liudong.core.scope import SYSTEM
from liudong.orgs import actions as org_actions
from liudong.orgs.models import Organization, OrgKind
from liudong.regions.models import Place

DEMO_PASSWORD = "Pingliang@2024"
SEED = 620800

CITY_CODE = "620800"
# County-level committees: place code, name, short name, login, townships (as in the seed).
COUNTIES: list[tuple[str, str, str, str, list[str]]] = [
    (
        "620802",
        "中共平凉市崆峒区委员会",
        "崆峒区委",
        "kongtong",
        ["崆峒镇", "白水镇", "草峰镇", "柳湖镇"],
    ),
    ("620821", "中共泾川县委员会", "泾川县委", "jingchuan", ["城关镇", "王村镇", "玉都镇"]),
    ("620822", "中共灵台县委员会", "灵台县委", "lingtai", ["中台镇", "邵寨镇", "独店镇"]),
    ("620823", "中共崇信县委员会", "崇信县委", "chongxin", ["锦屏镇", "新窑镇"]),
    (
        "620825",
        "中共庄浪县委员会",
        "庄浪县委",
        "zhuanglang",
        ["水洛镇", "南湖镇", "朱店镇", "万泉镇"],
    ),
    (
        "620826",
        "中共静宁县委员会",
        "静宁县委",
        "jingning",
        ["城关镇", "威戎镇", "界石铺镇", "八里镇"],
    ),
    ("620881", "中共华亭市委员会", "华亭市委", "huating", ["东华镇", "安口镇", "西华镇"]),
]

VILLAGE_STEMS = [
    "东庄",
    "西沟",
    "南塬",
    "北川",
    "柳湖",
    "马坊",
    "杨庄",
    "李家河",
    "高崖",
    "新庄",
    "红旗",
    "太平",
    "五里铺",
    "庙台",
    "上湾",
    "下寨",
    "店子",
    "王家沟",
    "张家塬",
    "河湾",
    "苏家台",
    "石嘴",
    "双庙",
    "白杨",
    "梁家",
    "常家河",
    "赵家庄",
    "坪上",
    "崖窑",
    "吴家山",
]

# The 12 stations' mobile branches (stations themselves come with the stations module):
# (name, set up by: county place code or "city", place code of the station).
MOBILE_BRANCHES: list[tuple[str, str, str]] = [
    ("平凉市驻兰州市流动党员联络站党支部", "city", "620102"),
    ("静宁县驻兰州流动党员联络站党支部", "620826", "620103"),
    ("庄浪县驻兰州流动党员联络站党支部", "620825", "620105"),
    ("平凉市驻西安莲湖区流动党员联络站党支部", "620802", "610104"),
    ("平凉市驻西安雁塔区流动党员联络站党支部", "620821", "610113"),
    ("平凉市驻西安未央区流动党员联络站党支部", "620822", "610112"),
    ("平凉市驻银川市流动党员联络站党支部", "620881", "640104"),
    ("平凉市驻乌鲁木齐市流动党员联络站党支部", "620823", "650102"),
    ("崆峒区流动党员服务站党支部", "620802", "620802"),
    ("平凉工业园区流动党员服务站党支部", "620802", "620802"),
    ("新就业群体党建孵化基地流动党员服务站党支部", "620802", "620802"),
    ("华亭市流动党员服务站党支部", "620881", "620881"),
]


@dataclass
class DemoLogin:
    username: str
    role: str
    organization: str


def _org(code: str, parent: Organization | None, **fields: Any) -> Organization:
    """Create the organization once; later runs reuse it (the demo is idempotent)."""
    existing = Organization.objects.filter(code=code).first()
    if existing is not None:
        return existing
    place_code = fields.pop("place_code", None)
    place = Place.objects.filter(code=place_code).first() if place_code else None
    return org_actions.create_organization(
        by=SYSTEM, parent=parent, code=code, place=place, **fields
    )


_HASH: list[str] = []


def _demo_password_hash() -> str:
    from django.contrib.auth.hashers import make_password

    if not _HASH:
        _HASH.append(make_password(DEMO_PASSWORD))
    return _HASH[0]


def _user(username: str, role: str, org: Organization, display_name: str, phone: str = "") -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username,
            role=role,
            organization=org,
            display_name=display_name,
            phone=phone,
            is_staff=role in (Role.CITY_ADMIN, Role.COUNTY_ADMIN),
        )
        user.password = _demo_password_hash()  # hashed once: same password for all
        user.save()
    return user


@transaction.atomic
def build_tree() -> dict[str, Organization]:
    """City, its 7 counties with townships and branches, the city bodies, mobile branches."""
    rng = random.Random(SEED)
    with audit.action("demo.load"):
        city = _org(
            CITY_CODE,
            None,
            name="中共平凉市委员会",
            short_name="平凉市委",
            kind=OrgKind.CITY_COMMITTEE,
            place_code=CITY_CODE,
        )
        dept = _org(
            f"{CITY_CODE}-ZZB",
            city,
            name="中共平凉市委组织部",
            short_name="市委组织部",
            kind=OrgKind.ORG_DEPARTMENT,
            place_code=CITY_CODE,
            sort_order=0,
        )
        organs = _org(
            f"{CITY_CODE}-SZJG",
            city,
            name="中共平凉市直属机关工作委员会",
            short_name="市直机关工委",
            kind=OrgKind.WORKING_COMMITTEE,
            place_code=CITY_CODE,
            sort_order=1,
        )
        for i, name in enumerate(
            ["市委办公室党支部", "市人社局机关党支部", "市驻兰州办事处党支部"]
        ):
            _org(
                f"{CITY_CODE}-SZJG-{i + 1:02d}",
                organs,
                name=name,
                kind=OrgKind.BRANCH,
                place_code=CITY_CODE,
                sort_order=i,
            )
        orgs = {"city": city, "department": dept, "organs": organs}
        for order, (code, name, short, _login, townships) in enumerate(COUNTIES, start=2):
            county = _org(
                code,
                city,
                name=name,
                short_name=short,
                kind=OrgKind.COUNTY_COMMITTEE,
                place_code=code,
                sort_order=order,
            )
            orgs[code] = county
            for t, township in enumerate(townships, start=1):
                tcode = f"{code}{t:03d}"
                town = _org(
                    tcode,
                    county,
                    name=f"中共{township}委员会",
                    short_name=township,
                    kind=OrgKind.TOWNSHIP_COMMITTEE,
                    place_code=code,
                    sort_order=t,
                )
                stems = rng.sample(VILLAGE_STEMS, rng.randint(3, 6))
                for b, stem in enumerate(stems, start=1):
                    suffix = (
                        "社区党支部" if township in ("城关镇", "东华镇") and b == 1 else "村党支部"
                    )
                    _org(
                        f"{tcode}{b:03d}",
                        town,
                        name=f"{township}{stem}{suffix}",
                        kind=OrgKind.BRANCH,
                        place_code=code,
                        sort_order=b,
                    )
        for s, (name, setter, place_code) in enumerate(MOBILE_BRANCHES, start=1):
            parent = organs if setter == "city" else orgs[setter]
            orgs[f"mobile{s:02d}"] = _org(
                f"{CITY_CODE}-LD{s:02d}",
                parent,
                name=name,
                kind=OrgKind.MOBILE_BRANCH,
                place_code=place_code,
                sort_order=90 + s,
            )
    return orgs


@transaction.atomic
def build_accounts(orgs: dict[str, Organization]) -> list[DemoLogin]:
    """One city administrator, one per county, staff per station, secretaries, members."""
    logins: list[DemoLogin] = []

    def add(username: str, role: str, org: Organization, name: str, phone: str = "") -> None:
        _user(username, role, org, name, phone)
        logins.append(DemoLogin(username, role, org.name))

    with audit.action("demo.load"):
        add("city", Role.CITY_ADMIN, orgs["department"], "市委组织部管理员")
        for code, _name, short, login, _t in COUNTIES:
            add(login, Role.COUNTY_ADMIN, orgs[code], f"{short}组织部管理员")
        for s in range(1, len(MOBILE_BRANCHES) + 1):
            add(
                f"station{s:02d}",
                Role.STATION_STAFF,
                orgs[f"mobile{s:02d}"],
                f"联络站工作人员{s:02d}",
            )
        secretaries = [
            ("secretary_jc", "620821001"),
            ("secretary_lt", "620822001"),
            ("secretary_kt", "620802001"),
        ]
        for username, town_code in secretaries:
            branch = Organization.objects.filter(parent__code=town_code).order_by("code").first()
            add(username, Role.BRANCH_SECRETARY, branch, f"{branch.name}书记")
        members = [
            ("member_jc", "620821001", "13809331001"),
            ("member_lt", "620822001", "13809332002"),
            ("member_jn", "620826001", "13809333003"),
        ]
        for username, town_code, phone in members:
            branch = Organization.objects.filter(parent__code=town_code).order_by("code").first()
            add(username, Role.MEMBER, branch, f"党员{username[-2:].upper()}", phone)
    return logins


def build() -> list[DemoLogin]:
    from liudong.demo.stations import build_stations

    logins = build_accounts(build_tree())
    build_stations()
    return logins
