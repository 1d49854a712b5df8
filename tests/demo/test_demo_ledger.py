"""The demo ledger: the seed's figures, every group and status in every county, valid and
consistent rows, built once (the test database holds a small one, see conftest)."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Max
from django.utils import timezone

from liudong.core.models import AuditEvent
from liudong.core.scope import visible_to
from liudong.demo import ledger
from liudong.demo.tree import COUNTIES
from liudong.members import actions, idnumber
from liudong.members.models import (
    Alert,
    Contact,
    Direction,
    FlowRecord,
    FlowStatus,
    Handoff,
    HandoffState,
    Member,
)

from ..conftest import DEMO_LEDGER_MEMBERS

COUNTY_CODES = [code for code, *_rest in COUNTIES]
pytestmark = pytest.mark.django_db


def _county_flows(code: str) -> Any:
    """Open and closed records of a county: its members' (outflow) or living there (inflow)."""
    return FlowRecord.objects.filter(
        member__in=Member.objects.filter(home_place_id=code, home_organization__isnull=False)
    ) | FlowRecord.objects.filter(direction=Direction.INFLOW, destination_place_id=code)


def test_groups_scale_with_the_total(demo: Any) -> None:
    counts = ledger.ledger_counts()
    assert counts["members"] == DEMO_LEDGER_MEMBERS
    groups = ledger._apportion(DEMO_LEDGER_MEMBERS, {g: float(n) for g, n in ledger.GROUPS.items()})
    assert counts["outflow_station_cities"] == groups[ledger.STATION_CITIES]
    assert counts["inflow"] == groups[ledger.INFLOW]
    assert counts["outflow_elsewhere"] == groups[ledger.ELSEWHERE]
    assert FlowRecord.objects.filter(is_open=True).count() == DEMO_LEDGER_MEMBERS


def test_full_size_plan_has_the_seeds_figures(demo: Any) -> None:
    builder = ledger._Builder(ledger.FULL_TOTAL, 620800, timezone.localdate())
    plans = builder.plans()
    assert Counter(p.group for p in plans) == {
        ledger.STATION_CITIES: 1854,
        ledger.INFLOW: 1321,
        ledger.ELSEWHERE: 2823,
    }
    outflow = Counter(p.county for p in plans if p.group != ledger.INFLOW)
    largest = {code for code, _n in outflow.most_common(3)}
    assert largest == {"620826", "620825", "620802"}  # 静宁, 庄浪, 崆峒
    station = [p for p in plans if p.group == ledger.STATION_CITIES]
    assert all(p.extra["destination"][:4] in ledger.STATION_CITY_PREFIXES for p in station)
    elsewhere = [p for p in plans if p.group == ledger.ELSEWHERE]
    assert not any(p.extra["destination"][:4] in ledger.STATION_CITY_PREFIXES for p in elsewhere)
    assert sum(p.status == FlowStatus.LOST for p in plans) in range(24, 100)  # a few dozen


def test_plans_are_deterministic(demo: Any) -> None:
    today = datetime.date(2025, 6, 30)
    first, second = (ledger._Builder(120, 7, today) for _ in range(2))
    a, b = first.plans(), second.plans()
    assert [(p.group, p.county, p.status, p.history) for p in a] == [
        (p.group, p.county, p.status, p.history) for p in b
    ]
    people_a = [(m.name, m.id_number, m.phone) for m in map(first.member, a[:20])]
    people_b = [(m.name, m.id_number, m.phone) for m in map(second.member, b[:20])]
    assert people_a == people_b


@pytest.mark.parametrize("code", COUNTY_CODES)
def test_every_group_and_status_in_every_county(demo: Any, code: str) -> None:
    flows = _county_flows(code)
    open_flows = flows.filter(is_open=True)
    station = open_flows.filter(
        direction=Direction.OUTFLOW, destination_place__code__regex=r"^(6201|6101|6401|6501)"
    )
    assert station.exists()
    assert open_flows.filter(direction=Direction.INFLOW).exists()
    assert (
        open_flows.filter(direction=Direction.OUTFLOW).exclude(pk__in=station.values("pk")).exists()
    )
    statuses = set(flows.values_list("status", flat=True))
    assert statuses == set(FlowStatus.values)


@pytest.mark.parametrize(("login", "code"), [("jingchuan", "620821"), ("lingtai", "620822")])
def test_county_admins_see_rows_of_every_ledger_model(demo: Any, login: str, code: str) -> None:
    user = demo(f"user:{login}")
    for model in (Member, FlowRecord, Contact, Handoff, Alert):
        rows = visible_to(user, model.objects.all())
        assert rows.exists(), model.__name__
    assert visible_to(user, Member.objects.all()).filter(home_place_id=code).exists()
    states = set(visible_to(user, Handoff.objects.all()).values_list("state", flat=True))
    assert states == set(HandoffState.values)


def test_each_member_has_exactly_one_open_record(demo: Any) -> None:
    per_member = FlowRecord.objects.filter(is_open=True).values("member").annotate(n=Count("id"))
    assert {row["n"] for row in per_member} == {1}
    assert Member.objects.exclude(flows__is_open=True).count() == 0
    closed = FlowRecord.objects.filter(is_open=False)
    assert closed.exists()
    assert not closed.filter(closed_on__isnull=True).exists()
    for flow in closed.select_related("member"):
        current = flow.member.flows.get(is_open=True)
        assert flow.closed_on < current.left_on and flow.left_on < flow.closed_on


def test_people_are_valid(demo: Any) -> None:
    today = timezone.localdate()
    members = list(Member.objects.all())
    phones = [m.phone for m in members]
    assert len(set(phones)) == len(phones)
    assert all(len(p) == 11 and p[:2] in {"13", "15", "17", "18", "19"} for p in phones)
    women = 0
    for member in members:
        facts = idnumber.parse(member.id_number)
        assert facts.sex == member.sex and facts.birth_date == member.birth_date
        assert facts.place_code == member.home_place_id
        assert 22 <= (today - member.birth_date).days // 365.25 <= 75
        assert member.id_number_masked == member.id_number[:6] + "*" * 8 + member.id_number[-4:]
        assert member.name_pinyin == actions.pinyin_key(member.name)
        women += member.sex == "2"
    assert 0.2 < women / len(members) < 0.5
    ethnicities = Counter(m.ethnicity for m in members)
    assert ethnicities.most_common(1)[0][0] == "01" and ethnicities["03"] > 0


def test_personal_data_is_encrypted_at_rest(demo: Any) -> None:
    member = Member.objects.order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM members_member WHERE id = %s", [member.pk])
        raw_id, raw_phone = cursor.fetchone()
    assert raw_id.startswith("enc1:") and raw_phone.startswith("enc1:")
    assert actions.find_by_id_number(member.id_number) == member


def test_inflow_members_belong_elsewhere(demo: Any) -> None:
    inflow = FlowRecord.objects.filter(direction=Direction.INFLOW, is_open=True)
    stations = {f"620800-LD{n:02d}" for n in (9, 10, 11, 12)}
    for flow in inflow.select_related("member", "inflow_organization"):
        member = flow.member
        assert member.home_organization_id is None and member.home_organization_name
        assert not member.home_place_id.startswith("6208")
        assert flow.destination_place_id.startswith("6208")
        assert flow.inflow_organization.code in stations
        assert member.inflow_organization_id == flow.inflow_organization_id


def test_records_are_consistent(demo: Any) -> None:
    flows = FlowRecord.objects.select_related("member", "inflow_organization")
    last = dict(Contact.objects.values_list("flow").annotate(last=Max("contacted_on")))
    for flow in flows:
        assert flow.flow_scope == actions.flow_scope_between(
            flow.origin_place_id, flow.destination_place_id
        )
        assert flow.last_contact_on == last.get(flow.pk)
        if flow.status == FlowStatus.MANAGED:
            assert flow.managed_on is not None and flow.managed_on >= flow.left_on
        assert flow.status_changed_on >= flow.left_on
        if flow.is_open:
            assert flow.member.inflow_organization_id == flow.inflow_organization_id
            assert flow.home_organization_id == flow.member.home_organization_id
        station = flow.inflow_organization
        if flow.direction == Direction.OUTFLOW and station is not None and flow.is_open:
            # A station in the city the member lives in.
            assert station.place_id[:4] == flow.destination_place_id[:4]


def test_station_city_members_under_management_are_attached_to_a_station(demo: Any) -> None:
    managed = FlowRecord.objects.filter(
        is_open=True,
        direction=Direction.OUTFLOW,
        status=FlowStatus.MANAGED,
        destination_place__code__regex=r"^(6201|6101|6401|6501)",
    )
    assert managed.exists()
    assert not managed.filter(inflow_organization__isnull=True).exists()
    assert set(managed.values_list("inflow_organization__kind", flat=True)) == {"mobile_branch"}


def test_handoffs_and_alerts(demo: Any) -> None:
    assert set(Handoff.objects.values_list("state", flat=True)) == set(HandoffState.values)
    refused = Handoff.objects.filter(state=HandoffState.REFUSED)
    assert not refused.filter(response="").exists()
    assert not Handoff.objects.exclude(state=HandoffState.OPEN).filter(resolved_at=None).exists()
    kinds = set(Alert.objects.filter(resolved=False).values_list("kind", flat=True))
    assert {"overdue_contact", "suggest_lost"} <= kinds
    assert not Alert.objects.filter(resolved=False, flow__is_open=False).exists()


def test_one_audit_row_and_idempotent(demo: Any) -> None:
    rows = AuditEvent.objects.filter(verb="demo.ledger")
    assert rows.count() >= 1 and "members" in rows.first().detail
    before, audited = ledger.ledger_counts(), rows.count()
    assert ledger.build_ledger(total=50) == before
    assert rows.count() == audited


def test_load_demo_prints_the_counts(demo: Any, capsys: Any) -> None:
    call_command("load_demo", "--quiet-logins", "--members", "50")
    out = capsys.readouterr().out
    assert f"{DEMO_LEDGER_MEMBERS} members with an open flow record" in out
    assert "outflow to the station cities" in out and "hand-offs" in out
