"""The written definitions (统计口径) on hand-made data (issue 12 item 2): a member served
by a liaison station counts (attached, checked in, or contacted by its staff in the
period); one merely living in the same city does not. Coverage in province is the own
outflow's; inflow coverage is apart."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from liudong.analytics import figures
from liudong.analytics.figures import definitions
from liudong.core.scope import SYSTEM
from liudong.members.models import Contact, FlowRecord
from liudong.stations.models import CheckIn, Station
from tests.members.helpers import make_member

from .conftest import _flow

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _station(demo: Any, code: str) -> Station:
    return Station.objects.get(branch=demo(code))


@pytest.fixture
def branch(demo: Any) -> Any:
    return demo("620821001").children.order_by("code").first()  # a branch of 泾川


def _member_in_yanta(branch: Any, n: int) -> Any:
    member = make_member(SYSTEM, branch, name=f"张{n}", phone=f"1390001{n:04d}")
    return _flow(member, to="610113", status="registered")  # 西安雁塔: station LD05 there


def _served(demo: Any, kind: str = definitions.LIAISON) -> set[int]:
    records = definitions.served_records(demo("user:city"), demo("620821"), kind)
    return set(records.values_list("pk", flat=True))


def test_attached_to_a_liaison_station_counts(demo: Any, branch: Any) -> None:
    flow = _member_in_yanta(branch, 1)
    FlowRecord.objects.filter(pk=flow.pk).update(inflow_organization=demo("620800-LD05"))
    assert flow.pk in _served(demo)


def test_living_in_the_same_city_does_not(demo: Any, branch: Any) -> None:
    flow = _member_in_yanta(branch, 2)
    assert flow.pk not in _served(demo)


def test_checked_in_and_awaiting_counts(demo: Any, branch: Any) -> None:
    flow = _member_in_yanta(branch, 3)
    CheckIn.objects.create(
        member=flow.member, flow=flow, station=_station(demo, "620800-LD05"), status="pending"
    )
    assert flow.pk in _served(demo)


def test_a_refused_check_in_does_not(demo: Any, branch: Any) -> None:
    flow = _member_in_yanta(branch, 4)
    CheckIn.objects.create(
        member=flow.member, flow=flow, station=_station(demo, "620800-LD05"), status="refused"
    )
    assert flow.pk not in _served(demo)


def test_a_contact_by_the_stations_staff_in_the_period_counts(demo: Any, branch: Any) -> None:
    recent, old = _member_in_yanta(branch, 5), _member_in_yanta(branch, 6)
    station = demo("620800-LD05")
    Contact.objects.create(
        flow=recent, contacted_on=TODAY - datetime.timedelta(days=30), method="phone",
        organization=station,
    )  # fmt: skip
    days = definitions.CONTACT_PERIOD_DAYS + 5
    Contact.objects.create(
        flow=old, contacted_on=TODAY - datetime.timedelta(days=days), method="phone",
        organization=station,
    )  # fmt: skip
    served = _served(demo)
    assert recent.pk in served and old.pk not in served


def test_a_contact_by_the_home_side_does_not(demo: Any, branch: Any) -> None:
    flow = _member_in_yanta(branch, 7)
    Contact.objects.create(flow=flow, contacted_on=TODAY, method="phone", organization=branch)
    assert flow.pk not in _served(demo)


def test_a_service_station_does_not_serve_outflow(demo: Any, branch: Any) -> None:
    flow = _member_in_yanta(branch, 8)
    FlowRecord.objects.filter(pk=flow.pk).update(inflow_organization=demo("620800-LD05"))
    assert flow.pk not in _served(demo, definitions.SERVICE)


def test_the_dashboard_figure_is_the_definitions_count(demo: Any, branch: Any) -> None:
    flow = _member_in_yanta(branch, 9)
    before = figures.dashboard(demo("user:city"), demo("620821")).liaison_catchment.total
    FlowRecord.objects.filter(pk=flow.pk).update(inflow_organization=demo("620800-LD05"))
    from django.core.cache import cache

    cache.clear()
    after = figures.dashboard(demo("user:city"), demo("620821")).liaison_catchment.total
    assert after == before + 1 == len(_served(demo))


def test_coverage_in_province_is_the_own_outflow_and_inflow_is_apart(hand: Any, demo: Any) -> None:
    board = figures.dashboard(demo("user:city"), hand.county)
    coverage = {c.key: c for c in board.coverage}
    # outflow in province: 3 to 兰州 (managed), 2 to 崆峒 (1 managed), 1 within the county
    assert (coverage["in_province"].tally.total, coverage["in_province"].tally.managed) == (6, 4)
    assert (coverage["inflow"].tally.total, coverage["inflow"].tally.managed) == (2, 1)


def test_every_headline_figure_has_one_written_definition(login: Any) -> None:
    body = login("city").get("/api/v1/analytics/dashboard/").json()
    for key in (
        "members_found",
        "outflow_under_liaison_stations",
        "inflow_under_service_stations",
        "in_province",
        "out_of_province",
        "inflow",
        "stations",
    ):
        assert body["definitions"][key]["text"], key
    page = login("city").get("/statistics/dashboard/").content.decode()
    assert 'data-definition="outflow_under_liaison_stations"' in page


def test_the_fast_count_is_the_definitions_records_counted_once(demo: Any, branch: Any) -> None:
    """``served`` (the dashboard's count) counts a record that is attached, checked in
    and contacted at once only once, as ``served_records`` lists it: a guard for any
    faster form of the count."""
    station, lanzhou = demo("620800-LD05"), _station(demo, "620800-LD05")
    every, checked, contacted, twice, alone = (_member_in_yanta(branch, n) for n in range(20, 25))
    FlowRecord.objects.filter(pk=every.pk).update(inflow_organization=station, status="managed")
    for flow in (every, checked, twice):
        CheckIn.objects.create(member=flow.member, flow=flow, station=lanzhou, status="pending")
    for flow in (every, contacted, twice, twice):
        Contact.objects.create(flow=flow, contacted_on=TODAY, method="phone", organization=station)
    city, county = demo("user:city"), demo("620821")
    records = definitions.served_records(city, county, definitions.LIAISON)
    expected: dict[str, int] = {}
    for status in records.values_list("status", flat=True):
        expected[status] = expected.get(status, 0) + 1
    tally = definitions.served(city, county, definitions.LIAISON)
    assert alone.pk not in set(records.values_list("pk", flat=True))
    assert {every.pk, checked.pk, contacted.pk, twice.pk} <= set(
        records.values_list("pk", flat=True)
    )
    assert tally.total == sum(expected.values())
    assert tally.managed == expected.get("managed", 0) >= 1
