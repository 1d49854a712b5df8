"""Destinations without county-level children (issue 12 item 8, decision 97): a
prefecture-level city with no counties in GB/T 2260 is a place a stay can be recorded in."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from liudong.census.checker import CellProblem, FileContext
from liudong.core.errors import DomainError
from liudong.members.models import FlowRecord
from liudong.regions import queries
from liudong.regions.models import Place
from tests.members.helpers import make_flow, make_member

CITIES_WITHOUT_COUNTIES = ("441900", "442000", "620200", "460400")  # 东莞 中山 嘉峪关 儋州

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", CITIES_WITHOUT_COUNTIES)
def test_a_city_without_counties_is_a_settlement(code: str) -> None:
    place = Place.objects.get(code=code)
    assert place.level == 2 and not Place.objects.filter(parent=place).exists()
    assert queries.is_settlement(place)
    assert queries.is_settlement(code)
    assert queries.settlements().filter(code=code).exists()


@pytest.mark.parametrize("code", ("610100", "620000", "440300"))  # 西安, 甘肃, 深圳
def test_a_province_or_a_city_with_counties_is_not(code: str) -> None:
    assert not queries.is_settlement(code)
    assert not queries.settlements().filter(code=code).exists()


def test_a_county_is_a_settlement() -> None:
    assert queries.is_settlement(Place.objects.get(code="610113"))


def test_a_stay_in_dongguan_is_recorded(demo: Any) -> None:
    by = demo("user:jingchuan")
    member = make_member(by, demo("620821001").children.order_by("code").first(), name="赵东")
    flow = make_flow(by, member, to="441900")
    assert flow.destination_place_id == "441900"
    assert flow.flow_scope == "out_of_province"


def test_a_stay_in_a_city_with_counties_is_still_refused(demo: Any) -> None:
    by = demo("user:jingchuan")
    member = make_member(by, demo("620821001").children.order_by("code").first(), name="钱西")
    with pytest.raises(DomainError) as error:
        make_flow(by, member, to="610100")
    assert error.value.code == "place_not_county"
    assert not FlowRecord.objects.filter(member=member).exists()


def test_the_api_takes_zhongshan_as_a_destination(demo: Any) -> None:
    by = demo("user:jingchuan")
    member = make_member(by, demo("620821001").children.order_by("code").first(), name="孙中")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(by)
    body = {
        "member": member.pk,
        "direction": "outflow",
        "destination_place": "442000",
        "reason": "work",
        "left_on": "2024-05-01",
    }
    response = client.post("/api/v1/flow-records/", body, format="json")
    assert response.status_code == 201, response.content
    assert FlowRecord.objects.get(member=member).destination_place_id == "442000"


def test_the_census_reads_jiayuguan_as_a_place(demo: Any) -> None:
    ctx = FileContext(demo("620821"))
    assert ctx.place("甘肃省嘉峪关市").code == "620200"
    assert ctx.place("海南省儋州市").code == "460400"
    with pytest.raises(CellProblem):
        ctx.place("陕西省西安市")
