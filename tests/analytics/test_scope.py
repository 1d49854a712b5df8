"""Scope: a county's dashboard counts only its subtree; others' organizations are not found."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from liudong.analytics import figures
from liudong.members.models import FlowRecord


def _attributed(org: Any) -> int:
    return (
        FlowRecord.objects.filter(is_open=True)
        .filter(
            Q(direction="outflow", home_organization__path__startswith=org.path)
            # decision 95: an inflow member counts under the county where they live
            | Q(direction="inflow", residence_organization__path__startswith=org.path)
            | Q(
                direction="inflow",
                residence_organization__isnull=True,
                inflow_organization__path__startswith=org.path,
            )
        )
        .count()
    )


def test_county_dashboard_counts_only_its_subtree(login: Any, demo: Any) -> None:
    jingchuan, lingtai = demo("620821"), demo("620822")
    body = login("jingchuan").get("/api/v1/analytics/dashboard/").json()
    assert body["organization"]["code"] == "620821"
    assert body["members_open"] == _attributed(jingchuan) > 0
    lingtai_body = login("lingtai").get("/api/v1/analytics/dashboard/").json()
    assert lingtai_body["members_open"] == _attributed(lingtai) > 0
    city = login("city").get("/api/v1/analytics/dashboard/").json()
    rows = {r["organization"]: r["found"] for r in city["rows"]}
    assert rows["620821"] == body["members_open"]
    assert rows["620822"] == lingtai_body["members_open"]
    assert sum(rows.values()) == city["members_open"]


def test_county_cannot_ask_for_another_county(login: Any) -> None:
    client = login("jingchuan")
    for url in (
        "/api/v1/analytics/dashboard/?org=620822",
        "/api/v1/analytics/distribution/?org=620822",
        "/api/v1/analytics/report/?org=620800",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "org_not_found"
    for url in ("/statistics/dashboard/?org=620822", "/statistics/reports/?org=620822"):
        assert client.get(url).status_code == 404, url


def test_county_sees_its_station_but_not_others(login: Any, demo: Any) -> None:
    client = login("jingchuan")
    stations = client.get("/api/v1/analytics/dashboard/").json()["stations"]["list"]
    assert [s["branch"] for s in stations] == ["620800-LD05"]  # 泾川 runs 雁塔
    assert client.get("/statistics/dashboard/?org=620800-LD05").status_code == 200
    assert client.get("/statistics/dashboard/?org=620800-LD06").status_code == 404  # 灵台's


def test_members_may_not_see_statistics(login: Any) -> None:
    client = login("member_jc")
    assert client.get("/statistics/dashboard/").status_code == 403
    assert client.get("/api/v1/analytics/dashboard/").status_code == 403


def test_snapshots_and_targets_are_scoped(login: Any, demo: Any) -> None:
    rows = login("jingchuan").get("/api/v1/analytics/targets/").json()["results"]
    assert rows and all(r["organization"].startswith("620821") for r in rows)
    trend = login("jingchuan").get("/api/v1/analytics/trends/?org=620821").json()
    assert trend["points"]
    assert login("jingchuan").get("/api/v1/analytics/trends/?org=620822").status_code == 404


def test_filters_outside_the_choices_are_ignored_not_errors(login: Any) -> None:
    response = login("city").get(
        "/api/v1/analytics/dashboard/?direction=sideways&status=gone&period=yesterday"
    )
    assert response.status_code == 200
    assert response.json()["filters"] == {}
    assert figures.FigureFilter.from_params({"direction": "inflow"}).params() == {
        "direction": "inflow"
    }
