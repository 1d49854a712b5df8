"""The saved plans' API: list, retrieve, create (run), delete, convert; through the gate."""

from __future__ import annotations

from typing import Any

import pytest

from liudong.siting.models import SitingPlan
from liudong.stations.models import Station, StationStatus
from tests.siting.test_pages import sites, unserved_host

pytestmark = pytest.mark.django_db

URL = "/api/v1/siting-plans/"


def rows(response: Any) -> list[dict[str, Any]]:
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


def test_the_city_runs_reads_converts_and_deletes_a_plan(demo: Any, login: Any) -> None:
    sites(demo)
    unserved_host(demo)
    client = login("city")
    created = client.post(
        URL, {"name": "接口方案", "k": 2, "radius_km": 30}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    plan = SitingPlan.objects.get(pk=body["id"])
    assert body["organization"] == "620800" and body["status"] == "optimal"
    assert body["covered"] == plan.covered and body["results"]["sites"]
    listed = {r["id"] for r in rows(client.get(URL))}
    assert plan.pk in listed and len(listed) == SitingPlan.objects.count()
    assert client.get(f"{URL}{plan.pk}/").json()["name"] == "接口方案"
    converted = client.post(f"{URL}{plan.pk}/convert/")
    assert converted.status_code == 200, converted.content
    codes = converted.json()["stations"]
    assert len(codes) == len(plan.new_sites) > 0
    assert set(Station.objects.filter(code__in=codes).values_list("status", flat=True)) == {
        StationStatus.PLANNED
    }
    again = client.post(f"{URL}{plan.pk}/convert/")
    assert again.status_code == 400 and again.json()["code"] == "already_converted"
    assert client.delete(f"{URL}{plan.pk}/").status_code == 204
    assert not SitingPlan.objects.filter(pk=plan.pk).exists()


def test_bad_input_is_a_400_in_the_language_asked(demo: Any, login: Any) -> None:
    client = login("city")
    before = SitingPlan.objects.count()
    for body, field, words in (
        ({"k": 0, "radius_km": 30}, "k", "K 至少为 1"),
        ({"k": 9999, "radius_km": 30}, "k", "大于可供选择"),
        ({"k": 1, "radius_km": 0}, "radius_km", "半径"),
    ):
        response = client.post(
            URL,
            {"name": "坏", **body},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert response.status_code == 400, body
        assert response.json()["field"] == field and words in response.json()["message"]
    english = client.post(
        URL,
        {"name": "bad", "k": 1, "radius_km": -1},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "radius must be more than 0" in english.json()["message"]
    assert SitingPlan.objects.count() == before


def test_a_county_sees_and_changes_only_its_own(demo: Any, login: Any) -> None:
    own = SitingPlan.objects.get(organization=demo("620821"))
    other = SitingPlan.objects.get(organization=demo("620822"))
    client = login("jingchuan")
    assert {r["id"] for r in rows(client.get(URL))} == {own.pk}
    assert client.get(f"{URL}{other.pk}/").status_code == 404
    assert client.delete(f"{URL}{other.pk}/").status_code == 404
    assert client.post(f"{URL}{other.pk}/convert/").status_code == 404
    assert SitingPlan.objects.filter(pk=other.pk).exists()
    assert login("station01").post(
        URL, {"name": "x", "k": 1, "radius_km": 30}, content_type="application/json"
    ).status_code in (403, 404)
