"""The demo's members' voice: the suggestions the member representatives gave at the
stations' opening meetings (the seed: 60+), routed, answered, approved and some adopted;
the counties' departments with two department logins; policy notices and the FAQ with read
marks; job openings at the liaison stations with interest and placements.

Written through the voice's actions (the system, or the city administrator where an account
is made), deterministic (fixed random seed, dates relative to the stations' opening and to
today), idempotent: a second run does nothing.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from liudong.accounts.models import User
from liudong.core.scope import SYSTEM
from liudong.members.models import Member
from liudong.orgs.models import Organization, OrgKind
from liudong.stations.models import Station
from liudong.voice import actions
from liudong.voice.models import (
    Department,
    JobOpening,
    Notice,
    Suggestion,
    SuggestionKind,
    SuggestionTopic,
)

SEED = 1406
SUGGESTIONS = 66
DEPARTMENTS = [
    "发展和改革局",
    "商务局（招商局）",
    "人力资源和社会保障局",
    "农业农村局",
    "交通运输局",
]
# The department logins printed by load_demo (password: the demo password).
DEPARTMENT_LOGINS = [
    ("dept_jingchuan", "620821", "商务局（招商局）", "泾川县商务局联络员"),
    ("dept_lingtai", "620822", "商务局（招商局）", "灵台县商务局联络员"),
]
# Which department answers which topic (the county routes by it).
ROUTE = {
    SuggestionTopic.INDUSTRY: "商务局（招商局）",
    SuggestionTopic.AGRICULTURE: "农业农村局",
    SuggestionTopic.INFRASTRUCTURE: "交通运输局",
    SuggestionTopic.EDUCATION: "人力资源和社会保障局",
    SuggestionTopic.HEALTH: "发展和改革局",
    SuggestionTopic.ENVIRONMENT: "发展和改革局",
    SuggestionTopic.GOVERNANCE: "发展和改革局",
    SuggestionTopic.OTHER: "发展和改革局",
}
K, T = SuggestionKind, SuggestionTopic
TEXTS = [
    (
        K.SUGGESTION,
        T.AGRICULTURE,
        "发展苹果深加工",
        "家乡苹果品质好，但多以鲜果外销，建议引进果汁、果脯深加工企业，延长产业链，带动果农增收。",
    ),
    (
        K.INVESTMENT,
        T.INDUSTRY,
        "一家食品企业有意在家乡建厂",
        "我所在的食品企业计划在西北新建生产基地，负责人愿意到家乡考察，可提供对接联系方式。",
    ),
    (
        K.SUGGESTION,
        T.INFRASTRUCTURE,
        "村道硬化和路灯",
        "老家村道下雨泥泞，夜间没有路灯，老人孩子出行不便，建议纳入乡村道路建设计划。",
    ),
    (
        K.JOBS,
        T.INDUSTRY,
        "物流园区招聘司机和分拣员",
        "我们园区长期招聘货车司机和分拣员，包吃住，愿意优先招收家乡劳动力。",
    ),
    (
        K.SUGGESTION,
        T.EDUCATION,
        "留守儿童课后托管",
        "外出务工家庭的孩子放学后无人照看，建议依托学校和村级活动场所开展课后托管。",
    ),
    (
        K.PROJECT,
        T.AGRICULTURE,
        "高原夏菜冷链项目",
        "了解到有冷链物流企业寻找西北蔬菜基地合作，可建设预冷库，解决夏菜外运损耗问题。",
    ),
    (
        K.ENTREPRENEUR,
        T.INDUSTRY,
        "返乡开办电商服务站",
        "在西安做电商多年，想回乡开办农产品电商服务站，希望了解场地和创业扶持政策。",
    ),
    (
        K.SUGGESTION,
        T.HEALTH,
        "村卫生室配备常用药",
        "村卫生室常用药品种少，老人买药要跑乡镇，建议补充慢性病常用药并开展远程问诊。",
    ),
    (
        K.SUGGESTION,
        T.GOVERNANCE,
        "流动党员线上组织生活",
        "建议家乡党支部开通线上学习和组织生活，方便在外党员按时参加。",
    ),
    (
        K.SUGGESTION,
        T.ENVIRONMENT,
        "河道垃圾清理",
        "村边河道有生活垃圾堆积，建议设置垃圾收集点，定期清运。",
    ),
    (
        K.JOBS,
        T.INDUSTRY,
        "建筑企业招收技术工人",
        "我所在的建筑公司承接项目较多，需要钢筋工、木工，可组织家乡劳动力成建制外出务工。",
    ),
    (
        K.INVESTMENT,
        T.AGRICULTURE,
        "牛肉加工企业考察意向",
        "认识的肉类加工企业关注平凉红牛，有意在家乡投资屠宰加工项目。",
    ),
]
ANSWERS = [
    "感谢您的建议。我局已将此事列入今年工作计划，近期将组织实地调研，并与相关乡镇对接落实。",
    "已与企业负责人取得联系，将安排专人对接考察行程，后续进展会通过联络站告知。",
    "您反映的问题已转交乡镇核实，相关项目已纳入明年预算申报，届时将公示建设方案。",
    "感谢提供线索。我局已建立对接台账，相关岗位信息将通过县人社部门发布。",
]
ADOPTION = [
    "已纳入县里年度重点项目，企业已完成实地考察并签订意向协议。",
    "建议被采纳：已在三个乡镇试点开展，下一步全县推广。",
    "已列入年度民生实事，计划年内完工。",
]
NOTICES = [
    (
        "social_security",
        "流动党员养老保险关系转移接续办理指南",
        "在外务工人员跨省转移养老保险关系，可通过国家社会保险公共服务平台或“掌上12333”申请，转入地经办机构受理后办理。所需材料：身份证、参保缴费凭证。",
    ),
    (
        "schooling",
        "随迁子女在流入地入学政策解读",
        "随迁子女可凭居住证、务工证明等材料在流入地申请义务教育阶段入学，具体以当地教育部门公布为准。联络站可协助咨询。",
    ),
    (
        "housing",
        "外来务工人员公租房申请须知",
        "符合条件的外来务工人员可申请公共租赁住房，需提供劳动合同、社保缴费记录和居住证明。",
    ),
    (
        "party_rules",
        "流动党员参加组织生活和交纳党费的规定",
        "流动党员应按时参加流入地党组织的组织生活，可在流入地交纳党费；外出前应与所在党支部联系，持流动党员活动证外出。",
    ),
]
FAQ = [
    (
        "social_security",
        "换了城市工作，以前交的社保还算吗？",
        "算。养老保险缴费年限累计计算，可申请转移接续。",
    ),
    (
        "schooling",
        "孩子跟我到外地上学，需要哪些材料？",
        "一般需要居住证、务工证明、户口簿和原学校学籍信息，以当地规定为准。",
    ),
    (
        "housing",
        "外来务工人员能申请公租房吗？",
        "在流入地稳定就业并缴纳社保的，多数城市可以申请，联络站可以帮您查询。",
    ),
    (
        "party_rules",
        "在外地怎样交党费？",
        "可以在流入地的流动党员党支部交纳，也可以回原党支部交纳，记得保留收据。",
    ),
    (
        "party_rules",
        "流动党员活动证有什么用？",
        "外出前由原党支部发放，凭证到流入地党组织报到、参加组织生活。",
    ),
]
JOBS = [
    ("host", "平凉大厦", "前台接待", "兰州市城关区", 3800, 4500),
    ("job_centre", "西安市人力资源市场", "仓储物流管理员", "西安市未央区", 5000, 6500),
    ("host", "新疆大湾房产陕甘运营中心", "置业顾问", "西安市雁塔区", 4500, 9000),
    ("job_centre", "乌鲁木齐市天山区就业服务中心", "电工", "乌鲁木齐市天山区", 6000, 8000),
    ("host", "西安广成大酒店", "餐饮主管", "西安市莲湖区", 4800, 6000),
]


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _departments(city_admin: User | None) -> dict[tuple[int, str], Department]:
    found: dict[tuple[int, str], Department] = {}
    counties = Organization.objects.filter(kind=OrgKind.COUNTY_COMMITTEE).order_by("code")
    for county in counties:
        for name in DEPARTMENTS:
            department = Department.objects.filter(county=county, name=name).first()
            if department is None:
                department = actions.add_department(by=SYSTEM, county=county, name=name)
            found[(county.pk, name)] = department
    if city_admin is not None:
        from liudong.demo.tree import DEMO_PASSWORD

        for username, code, name, display in DEPARTMENT_LOGINS:
            if User.objects.filter(username=username).exists():
                continue
            county = Organization.objects.get(code=code)
            actions.add_department_user(
                by=city_admin,
                department=found[(county.pk, name)],
                username=username,
                display_name=display,
                password=DEMO_PASSWORD,
            )
    return found


def _speakers() -> list[tuple[Member, Station]]:
    """Members whose home is a Pingliang county, at the liaison station where they live (or
    round the liaison stations), in a fixed order."""
    liaison = list(Station.objects.filter(kind="liaison").order_by("code"))
    by_branch = {s.branch_id: s for s in liaison}
    members = list(
        Member.objects.filter(home_organization__isnull=False, flows__is_open=True)
        .select_related("home_organization")
        .order_by("pk")
        .distinct()[: SUGGESTIONS * 3]
    )
    rng = random.Random(SEED)
    rng.shuffle(members)
    chosen: list[tuple[Member, Station]] = []
    for index, member in enumerate(members[:SUGGESTIONS]):
        station = by_branch.get(member.inflow_organization_id) or liaison[index % len(liaison)]
        chosen.append((member, station))
    return chosen


def _suggestions(departments: dict[tuple[int, str], Department]) -> int:
    rng = random.Random(SEED)
    today = timezone.localdate()
    made = 0
    with_leaflet: set[str] = set()
    for index, (member, station) in enumerate(_speakers()):
        kind, topic, title, text = TEXTS[index % len(TEXTS)]
        # A leaflet with the first suggestion for each of two counties (the tests' sides).
        code = getattr(actions.home_county(member), "code", "")
        files = []
        if code in ("620821", "620822") and code not in with_leaflet:
            with_leaflet.add(code)
            files = [_pdf("项目介绍.pdf")]
        opened = station.opened_on or today - datetime.timedelta(days=60)
        meeting = min(opened, today - datetime.timedelta(days=40))
        suggestion, created = actions.submit_suggestion(
            by=SYSTEM,
            member=member,
            station=station,
            kind=kind,
            topic=topic,
            title=title,
            text=text,
            files=files,
            now=_at(meeting, 15),
        )
        if not created:
            continue
        made += 1
        stage = index % 6  # 0 submitted; 1 routed; 2 answered; 3-5 published (some adopted)
        if stage == 0:
            continue
        department = departments[(suggestion.county_id, ROUTE[topic])]
        routed = meeting + datetime.timedelta(days=1 + rng.randint(0, 3))
        actions.route_suggestion(
            by=SYSTEM, suggestion=suggestion, department=department, now=_at(routed, 10)
        )
        if stage == 1:
            continue
        answered = routed + datetime.timedelta(days=3 + rng.randint(0, 12))
        actions.answer_suggestion(
            by=SYSTEM,
            suggestion=suggestion,
            answer=ANSWERS[index % len(ANSWERS)],
            now=_at(answered, 16),
        )
        if stage == 2:
            continue
        approved = answered + datetime.timedelta(days=1 + rng.randint(0, 2))
        actions.approve_answer(by=SYSTEM, suggestion=suggestion, now=_at(approved, 9))
        if stage == 5:
            adopted = approved + datetime.timedelta(days=7 + rng.randint(0, 10))
            actions.adopt_suggestion(
                by=SYSTEM,
                suggestion=suggestion,
                result=ADOPTION[index % len(ADOPTION)],
                now=_at(min(adopted, today), 11),
            )
    return made


def _pdf(name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def _notices() -> int:
    today = timezone.localdate()
    city = (
        Organization.objects.filter(kind=OrgKind.ORG_DEPARTMENT).order_by("depth", "code").first()
    )
    city = city or Organization.objects.get(code="620800")
    made = 0
    for topic, title, body in NOTICES:
        actions.publish_notice(
            by=SYSTEM,
            publisher=city,
            topic=topic,
            title=title,
            body=body,
            audience="all",
            valid_from=today - datetime.timedelta(days=20),
            valid_until=today + datetime.timedelta(days=160),
        )
        made += 1
    for county in Organization.objects.filter(kind=OrgKind.COUNTY_COMMITTEE).order_by("code"):
        files = [_pdf("办事指南.pdf")] if county.code in ("620821", "620822") else []
        actions.publish_notice(
            by=SYSTEM,
            publisher=county,
            topic="party_rules",
            title=f"{county.name}关于流动党员年度报告的通知",
            body="请在外流动党员于年底前通过联络站或手机向所在党支部报告一年来的工作、学习和思想情况。",
            audience="county",
            audience_county=county,
            valid_from=today - datetime.timedelta(days=10),
            valid_until=today + datetime.timedelta(days=60),
            files=files,
        )
        made += 1
    for topic, question, answer in FAQ:
        actions.add_faq(by=SYSTEM, publisher=city, topic=topic, question=question, answer=answer)
    for county in Organization.objects.filter(code__in=("620821", "620822")):
        actions.add_faq(
            by=SYSTEM,
            publisher=county,
            topic="other",
            question=f"{county.name}的流动党员有问题找谁？",
            answer="可联系所在联络站，或拨打县委组织部电话，工作日接待。",
        )
    return made


def _reads() -> int:
    """Read marks of some members on the notices for them (each counted once)."""
    from liudong.voice import queries

    rng = random.Random(SEED + 1)
    members = list(
        Member.objects.filter(home_organization__isnull=False)
        .select_related("home_organization")
        .order_by("pk")[:120]
    )
    marks = 0
    for member in members:
        for notice in queries.notices_for_member(member):
            if rng.random() < 0.45:
                marks += actions.mark_read(by=SYSTEM, notice=notice, member=member)
    # The demo members read the city's first notice (so their phones show it read).
    first = Notice.objects.order_by("pk").first()
    for member in Member.objects.filter(user__username__in=("member_lt", "member_jn")):
        marks += actions.mark_read(by=SYSTEM, notice=first, member=member)
    return marks


def _jobs() -> tuple[int, int]:
    rng = random.Random(SEED + 2)
    today = timezone.localdate()
    liaison = list(Station.objects.filter(kind="liaison", status="open").order_by("code"))
    openings: list[JobOpening] = []
    for index, station in enumerate(liaison):
        for offset in range(2):
            source, employer, title, place, low, high = JOBS[(index + offset) % len(JOBS)]
            openings.append(
                actions.post_opening(
                    by=SYSTEM,
                    station=station,
                    source=source,
                    employer=employer,
                    title=title,
                    place=place,
                    pay_min=low,
                    pay_max=high,
                    contact=f"{station.name}工作人员 0933-82{index:02d}{offset:03d}",
                    closing_date=today + datetime.timedelta(days=20 + 10 * offset + index),
                )
            )
    interested = 0
    members = list(Member.objects.filter(flows__is_open=True).order_by("pk").distinct()[:80])
    for member in members:
        opening = openings[rng.randrange(len(openings))]
        mark, new = actions.mark_interest(by=SYSTEM, opening=opening, member=member)
        interested += new
        roll = rng.random()
        if roll < 0.35:
            actions.record_outcome(by=SYSTEM, interest=mark, outcome="placed", note="已入职")
        elif roll < 0.55:
            actions.record_outcome(
                by=SYSTEM, interest=mark, outcome="not_placed", note="岗位要求不符"
            )
    return len(openings), interested


@transaction.atomic
def build_voice() -> dict[str, int] | None:
    """Build the members' voice once; None when it exists already."""
    if Suggestion.objects.exists():
        return None
    city_admin = User.objects.filter(username="city").first()
    departments = _departments(city_admin)
    made = _suggestions(departments)
    notices = _notices()
    reads = _reads()
    openings, interest = _jobs()
    return {
        "suggestions": made,
        "departments": len(departments),
        "notices": notices,
        "reads": reads,
        "openings": openings,
        "interest": interest,
    }


def department_logins() -> list[Any]:
    """The department accounts to print beside the other demo logins."""
    from liudong.demo.tree import DemoLogin

    found = []
    for username, _code, name, _display in DEPARTMENT_LOGINS:
        user = User.objects.filter(username=username).select_related("organization").first()
        if user is not None:
            found.append(DemoLogin(username, user.role, f"{user.organization.name} {name}"))
    return found
