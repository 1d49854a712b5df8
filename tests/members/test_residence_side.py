"""The county where an inflow member lives is a receiving side (issue 12 item 1, decision
95): it sees and co-manages the member (contacts, hand-offs), cannot change master data or
the stay, and its figures count the member once, under that county."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection

from liudong.analytics import figures, rollup
from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.scope import CHANGE, may, visible_to
from liudong.members import actions, queries
from liudong.members.models import FlowRecord, Member
from liudong.regions.models import Place

from .helpers import id_number, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _from_elsewhere(by: Any, name: str = "马明") -> Member:
    return actions.create_member(
        by=by,
        name=name,
        sex="1",
        ethnicity="03",
        birth_date=None,
        id_number=id_number("640104"),
        phone="13995001234",
        education="21",
        joined_on=datetime.date(2012, 7, 1),
        membership="full",
        home_organization=None,
        home_organization_name="银川市兴庆区某社区党支部",
        home_place=None,
    )


def _inflow(demo: Any, member: Member, lives_in: str = "620821") -> FlowRecord:
    """An inflow stay at 崆峒区's service station (LD09), living in ``lives_in``."""
    return actions.register_flow(
        by=demo("user:station09"),
        member=member,
        direction="inflow",
        origin_place=Place.objects.get(code="640104"),
        destination_place=Place.objects.get(code=lives_in),
        reason="work",
        left_on=datetime.date(2024, 4, 1),
        inflow_organization=demo("620800-LD09"),
    )


@pytest.fixture
def inflow(demo: Any) -> FlowRecord:
    return _inflow(demo, _from_elsewhere(demo("user:station09")))


def test_the_record_and_the_member_name_the_county_of_residence(
    demo: Any, inflow: FlowRecord
) -> None:
    jingchuan = demo("620821")
    assert inflow.residence_organization_id == jingchuan.pk
    inflow.member.refresh_from_db()
    assert inflow.member.residence_organization_id == jingchuan.pk
    assert inflow.inflow_organization_id == demo("620800-LD09").pk  # the station stays


def test_an_outflow_record_has_no_county_of_residence(demo: Any) -> None:
    by = demo("user:jingchuan")
    member = make_member(by, demo("620821001").children.order_by("code").first(), name="秦川")
    flow = actions.register_flow(
        by=by,
        member=member,
        direction="outflow",
        destination_place=Place.objects.get(code="620802"),
        reason="work",
        left_on=datetime.date(2024, 4, 1),
    )
    flow.refresh_from_db()
    member.refresh_from_db()
    assert flow.residence_organization_id is None
    assert member.residence_organization_id is None


def test_a_stale_save_does_not_undo_the_derived_side(demo: Any, inflow: FlowRecord) -> None:
    """Whatever a writer sends, the database derives the field (every writer keeps it)."""
    stale = Member.objects.get(pk=inflow.member_id)
    stale.residence_organization_id = None
    stale.save()
    record = FlowRecord.objects.get(pk=inflow.pk)
    record.residence_organization_id = demo("620822").pk
    record.save()
    assert Member.objects.get(pk=stale.pk).residence_organization_id == demo("620821").pk
    assert FlowRecord.objects.get(pk=inflow.pk).residence_organization_id == demo("620821").pk
    assert rollup.matches_records()


def test_moving_house_moves_the_side_and_the_figures(demo: Any, inflow: FlowRecord) -> None:
    FlowRecord.objects.filter(pk=inflow.pk).update(destination_place_id="620822")
    assert FlowRecord.objects.get(pk=inflow.pk).residence_organization_id == demo("620822").pk
    assert Member.objects.get(pk=inflow.member_id).residence_organization_id == demo("620822").pk
    assert rollup.matches_records()


def test_a_member_from_elsewhere_keeps_the_county_when_the_stay_closes(
    demo: Any, inflow: FlowRecord
) -> None:
    actions.mark_returned(by=demo("user:station09"), flow=inflow, on=datetime.date(2024, 6, 1))
    assert Member.objects.get(pk=inflow.member_id).residence_organization_id == demo("620821").pk
    assert rollup.matches_records()


def test_the_county_of_residence_sees_the_member_and_the_record(
    demo: Any, inflow: FlowRecord
) -> None:
    jc, lt = demo("user:jingchuan"), demo("user:lingtai")
    assert visible_to(jc, Member.objects.filter(pk=inflow.member_id)).exists()
    assert visible_to(jc, FlowRecord.objects.filter(pk=inflow.pk)).exists()
    assert not visible_to(lt, FlowRecord.objects.filter(pk=inflow.pk)).exists()
    rows = queries.ledger_rows(jc, "inflow", {"org": "620821"})
    assert rows.filter(pk=inflow.pk).exists()
    assert queries.ledger_rows(jc, "inflow").filter(pk=inflow.pk).exists()


def test_the_county_of_residence_co_manages_but_changes_nothing(
    demo: Any, inflow: FlowRecord
) -> None:
    jc = demo("user:jingchuan")
    member = Member.objects.get(pk=inflow.member_id)
    record = FlowRecord.objects.select_related(
        "home_organization", "inflow_organization", "residence_organization"
    ).get(pk=inflow.pk)
    assert may(jc, record, "contact") and may(jc, record, "handoff")
    assert not may(jc, record, CHANGE)
    assert not may(jc, member, CHANGE)
    contact = actions.log_contact(by=jc, flow=record, method="phone", note="电话联系")
    assert contact.organization == demo("620821")
    handoff = actions.raise_handoff(by=jc, flow=record, kind="visit", message="请走访")
    assert handoff.to_organization == demo("620800-LD09")
    with pytest.raises((PermissionDenied, ScopeError)):
        actions.update_member(by=jc, member=member, name="马明明")
    with pytest.raises((PermissionDenied, ScopeError)):
        actions.mark_returned(by=jc, flow=record, on=datetime.date(2024, 6, 1))
    assert Member.objects.get(pk=member.pk).name == "马明"
    assert FlowRecord.objects.get(pk=record.pk).is_open


def test_county_figures_count_the_member_once_where_they_live(
    demo: Any, inflow: FlowRecord
) -> None:
    city = demo("user:city")
    jingchuan, kongtong = demo("620821"), demo("620802")
    board = figures.dashboard(demo("user:jingchuan"), jingchuan)
    by_records = FlowRecord.objects.filter(
        is_open=True, direction="inflow", residence_organization=jingchuan
    ).count()
    assert board.tallies["inflow"].total == by_records >= 1
    # The station's county shows it apart, not in its totals.
    kt = figures.dashboard(city, kongtong)
    assert kt.co_managed >= 1
    kt_inflow = FlowRecord.objects.filter(
        is_open=True, direction="inflow", residence_organization=kongtong
    ).count()
    assert kt.tallies["inflow"].total == kt_inflow
    # The station counts it as attached, as a breakdown of its own.
    station = next(s for s in kt.stations if s.branch_code == "620800-LD09")
    assert station.attached >= 1
    # The counties still add up to the city.
    whole = figures.dashboard(city, demo("620800"))
    assert sum(r.all.total for r in whole.rows) == whole.tallies["all"].total
    assert sum(r.inflow.total for r in whole.rows) == whole.tallies["inflow"].total
    jc_row = next(r for r in whole.rows if r.code == "620821")
    assert jc_row.inflow.total == by_records


def test_the_rollup_and_the_records_agree(demo: Any, inflow: FlowRecord) -> None:
    jingchuan = demo("620821")
    user = demo("user:jingchuan")
    summed = figures.dashboard(user, jingchuan, from_rollup=True)
    counted = figures.dashboard(user, jingchuan, from_rollup=False)
    assert summed.tallies["inflow"].total == counted.tallies["inflow"].total >= 1
    assert rollup.matches_records()


def test_the_dashboard_api_of_the_county_shows_inflow(login: Any, inflow: FlowRecord) -> None:
    body = login("jingchuan").get("/api/v1/analytics/dashboard/").json()
    assert body["totals"]["inflow"]["total"] >= 1


def test_a_bulk_insert_keeps_the_side_too(demo: Any) -> None:
    """A writer that bypasses the actions (bulk_create, as the demo loader and COPY do)."""
    member = _from_elsewhere(demo("user:station09"), name="白雪")
    FlowRecord.objects.bulk_create(
        [
            FlowRecord(
                member=member,
                direction="inflow",
                flow_scope="out_of_province",
                origin_place_id="640104",
                destination_place_id="620826",
                reason="work",
                left_on=datetime.date(2024, 4, 1),
                inflow_organization=demo("620800-LD09"),
                status="registered",
                status_changed_on=datetime.date(2024, 4, 1),
            )
        ]
    )
    assert FlowRecord.objects.get(member=member).residence_organization == demo("620826")
    assert Member.objects.get(pk=member.pk).residence_organization == demo("620826")
    assert rollup.matches_records()
    assert connection.vendor in ("sqlite", "postgresql")


def test_a_bad_destination_changes_nothing(demo: Any) -> None:
    member = _from_elsewhere(demo("user:station09"), name="冯雨")
    with pytest.raises(DomainError):
        _inflow(demo, member, lives_in="620800")  # a city with counties is no place to live
    assert not FlowRecord.objects.filter(member=member).exists()
    assert Member.objects.get(pk=member.pk).residence_organization_id is None


def test_the_api_names_the_county_of_residence(demo: Any, inflow: FlowRecord) -> None:
    from rest_framework.test import APIClient

    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(demo("user:jingchuan"))
    flow = client.get(f"/api/v1/flow-records/{inflow.pk}/").json()
    assert flow["residence_organization"] == "620821"
    assert flow["inflow_organization"] == "620800-LD09"
    member = client.get(f"/api/v1/members/{inflow.member_id}/").json()
    assert member["residence_organization"] == "620821"
