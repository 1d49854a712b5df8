"""The siting planner's pages: run and save, the map's data, the gate, bad input in words,
the export, "turn into planned stations", two plans side by side (issue 15, item 3)."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from liudong.core.errors import DomainError
from liudong.core.models import AuditEvent
from liudong.core.scope import SYSTEM
from liudong.members.models import Member
from liudong.siting import actions
from liudong.siting.models import SitingPlan
from liudong.stations.models import Station, StationStatus
from tests.siting.test_plan import host

pytestmark = pytest.mark.django_db


def _as(user: Any, language: str = "zh-hans") -> Client:
    from django.conf import settings

    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client


def sites(demo: Any) -> None:
    """Hosts where demo members go (Xi'an's Yanta, Lanzhou's Chengguan) and one far away."""
    host(demo, "西安某企业", "610113", 0.01, 0.01)
    host(demo, "兰州某园区", "620102", -0.01, 0.0)
    host(demo, "远方某处", "650102", 0.0, 0.3, cap=50)


FORM = {
    "name": "两个新点",
    "k": "2",
    "radius_km": "30",
    "direction": "outflow",
    "keep_existing": "on",
    "min_full": "3",
    "time_limit": "20",
}


def run(client: Client, **changes: str) -> Any:
    return client.post("/siting/new/", {**FORM, **changes})


def config(response: Any) -> dict[str, Any]:
    text = response.content.decode()
    found = re.search(
        r'<script id="siting-map-config" type="application/json">(.*?)</script>', text
    )
    assert found, "the map's data is passed with json_script"
    return json.loads(found.group(1))


def test_the_city_runs_a_plan_and_sees_it_on_the_map(demo: Any) -> None:
    sites(demo)
    client = _as(demo("user:city"))
    assert client.get("/siting/new/").status_code == 200
    response = run(client)
    plan = SitingPlan.objects.get(name="两个新点")
    assert response.status_code == 302 and response["Location"] == f"/siting/{plan.pk}/"
    assert plan.organization.code == "620800" and plan.status == "optimal"
    assert plan.created_by == demo("user:city")
    assert plan.covered >= (plan.covered_before or 0) and plan.total > 0
    assert AuditEvent.objects.filter(verb="siting_plan.run").exists()
    page = client.get(f"/siting/{plan.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "规划假设" in text  # the radius is a planning assumption, not "attached"
    assert "vendor/echarts/echarts.min.js" in text and "siting/plan_map.js" in text
    assert "echarts.init" not in text  # the map's script is a static file, no inline script
    drawn = config(page)["plans"][0]
    assert drawn["sites"] and drawn["candidates"]
    assert any(c["existing"] for c in drawn["candidates"])
    for site in plan.sites:
        assert site["name"] in text
        assert site["full_members"] >= 3 and site["members"] <= site["capacity"]
    listing = client.get("/siting/").content.decode()
    assert plan.name in listing
    assert "站点布局" in client.get("/").content.decode() or "/siting/" in listing


def test_the_results_are_aggregated_by_place_with_no_member(demo: Any) -> None:
    sites(demo)
    plan = actions.run_plan(by=SYSTEM, name="x", params=actions.PlanParams(k=2, radius_km=30))
    blob = json.dumps(plan.results, ensure_ascii=False)
    names = list(Member.objects.values_list("name", flat=True)[:200])
    assert names and not any(name in blob for name in names)
    groups = plan.results["groups"]
    assert groups["in"]["total"] + groups["out"]["total"] == plan.total


def test_a_county_sees_only_its_own_plans(demo: Any, login: Any) -> None:
    own = SitingPlan.objects.get(organization=demo("620821"))
    other = SitingPlan.objects.get(organization=demo("620822"))
    client = login("jingchuan")
    listing = client.get("/siting/").content.decode()
    assert own.name in listing and other.name not in listing
    for url in (
        f"/siting/{other.pk}/",
        f"/siting/{other.pk}/export/",
        f"/siting/compare/?a={own.pk}&b={other.pk}",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/siting/{other.pk}/convert/").status_code == 404
    assert client.post(f"/siting/{other.pk}/delete/").status_code == 404
    assert SitingPlan.objects.filter(pk=other.pk).exists()
    # a county's new plan is its own: its members, its organization
    response = run(client, name="泾川新方案", k="1", keep_existing="")
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = SitingPlan.objects.get(name="泾川新方案")
    assert plan.organization == demo("620821")
    assert plan.total < SitingPlan.objects.get(organization__code="620800").total
    # a member or station staff is not offered the planner
    assert login("station01").get("/siting/").status_code == 404


@pytest.mark.parametrize(
    ("language", "zero_k", "big_k", "radius"),
    [
        ("zh-hans", "K 至少为 1", "大于可供选择", "半径"),
        ("en", "K must be at least 1", "larger than the candidates", "radius must be more than 0"),
    ],
)
def test_bad_input_is_refused_in_words(
    demo: Any, language: str, zero_k: str, big_k: str, radius: str
) -> None:
    client = _as(demo("user:city"), language)
    before = SitingPlan.objects.count()
    for changes, words in (
        ({"k": "0"}, zero_k),
        ({"k": "-3"}, zero_k),
        ({"k": "9999"}, big_k),
        ({"radius_km": "0"}, radius),
        ({"radius_km": "-5"}, radius),
    ):
        response = run(client, **changes)
        assert response.status_code == 400, changes
        assert words in response.content.decode(), (changes, words)
    assert SitingPlan.objects.count() == before


def test_the_export_opens_and_names_no_member(demo: Any, login: Any) -> None:
    sites(demo)
    plan = actions.run_plan(by=SYSTEM, name="导出", params=actions.PlanParams(k=2, radius_km=30))
    response = login("city").get(f"/siting/{plan.pk}/export/")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    texts = {str(c.value) for sheet in book.worksheets for line in sheet.iter_rows() for c in line}
    assert plan.name in texts
    for site in plan.sites:
        assert site["name"] in texts
    names = set(Member.objects.values_list("name", flat=True))
    assert not texts & names


def unserved_host(demo: Any) -> None:
    """A host right where the most full members no station serves today live."""
    from liudong.siting import queries

    city = SitingPlan.objects.get(organization__code="620800")
    far = {u["code"] for u in city.results["uncovered"]}
    points = [
        p
        for p in queries.demand_points(SYSTEM)
        if p.lng is not None and p.id[:4] + "00" in far and p.id.endswith(":out")
    ]
    best = max(points, key=lambda p: (p.full_members, p.id))
    assert best.full_members >= 3
    host(demo, "某地党群服务中心", best.id.split(":")[0], 0.0, 0.0)


def test_conversion_makes_planned_stations_once(demo: Any, login: Any) -> None:
    sites(demo)
    unserved_host(demo)
    plan = actions.run_plan(by=SYSTEM, name="转化", params=actions.PlanParams(k=2, radius_km=30))
    new = plan.new_sites
    assert new
    client = login("city")
    assert client.post(f"/siting/{plan.pk}/convert/").status_code == 302
    made = Station.objects.filter(host_site__in=[s["host_site"] for s in new])
    assert made.count() == len(new)
    assert all(s.status == StationStatus.PLANNED and s.branch_id is None for s in made)
    assert all(s.organization == plan.organization for s in made)
    assert AuditEvent.objects.filter(verb="siting_plan.convert").exists()
    with pytest.raises(DomainError) as again:
        actions.convert_plan(by=SYSTEM, plan=SitingPlan.objects.get(pk=plan.pk))
    assert again.value.code == "already_converted"
    client.post(f"/siting/{plan.pk}/convert/")
    assert made.count() == len(new)
    # another plan choosing a site that now hosts a planned station is refused, nothing made
    other = actions.run_plan(by=SYSTEM, name="再转化", params=actions.PlanParams(k=2, radius_km=30))
    other.results["sites"] = plan.results["sites"]
    other.save()
    count = Station.objects.count()
    with pytest.raises(DomainError) as taken:
        actions.convert_plan(by=SYSTEM, plan=other)
    assert taken.value.code == "site_taken" and Station.objects.count() == count


def test_two_plans_side_by_side(demo: Any, login: Any) -> None:
    sites(demo)
    a = actions.run_plan(by=SYSTEM, name="A 方案", params=actions.PlanParams(k=1, radius_km=30))
    b = actions.run_plan(by=SYSTEM, name="B 方案", params=actions.PlanParams(k=2, radius_km=50))
    client = login("city")
    assert client.get("/siting/compare/").status_code == 200
    page = client.get(f"/siting/compare/?a={a.pk}&b={b.pk}")
    assert page.status_code == 200
    text = page.content.decode()
    assert a.name in text and b.name in text
    assert page.context["diff"]["covered"] == b.covered - a.covered
    assert [p["id"] for p in config(page)["plans"]] == [a.pk, b.pk]
    assert client.get(f"/siting/compare/?a={a.pk}&b=nope").status_code == 404


def test_delete_is_audited(demo: Any, login: Any) -> None:
    plan = SitingPlan.objects.get(organization=demo("620821"))
    assert login("jingchuan").post(f"/siting/{plan.pk}/delete/").status_code == 302
    assert not SitingPlan.objects.filter(pk=plan.pk).exists()
    assert AuditEvent.objects.filter(verb="siting_plan.delete").exists()
