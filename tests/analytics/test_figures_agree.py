"""One figure, one number, on every page and API that shows it (the demo ledger): the map's
counts below province level add up to the province's, and each station's attached and
managed members agree on the station list, its page, its staff's workbench, the
dashboards and the API."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from liudong.analytics import queries

FIGURES = ("total", "managed", "registered", "lost", "overdue")


def _api(demo: Any, username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(demo(f"user:{username}"))
    return client


def _areas(client: APIClient, **params: str) -> dict[str, dict[str, Any]]:
    response = client.get("/api/v1/analytics/distribution/", params)
    assert response.status_code == 200, response.content[:300]
    return {area["code"]: area for area in response.json()["areas"]}


def _summed(areas: dict[str, dict[str, Any]]) -> dict[str, int]:
    return {key: sum(a[key] for a in areas.values()) for key in FIGURES}


@pytest.mark.parametrize("username", ["city", "jingchuan"])
def test_the_maps_counts_below_a_province_add_up_to_the_provinces(demo: Any, username: str) -> None:
    client = _api(demo, username)
    provinces = _areas(client, level="province")
    assert sum(p["overdue"] for p in provinces.values()) > 0  # the figure is exercised
    for code, province in provinces.items():
        prefectures = _areas(client, level="prefecture", parent=code)
        assert _summed(prefectures) == {k: province[k] for k in FIGURES}, code
        for pcode, prefecture in prefectures.items():
            if code[:2] in ("11", "12", "31", "50"):
                continue  # a municipality's map shows its counties at once
            counties = _areas(client, level="county", parent=pcode)
            assert _summed(counties) == {k: prefecture[k] for k in FIGURES}, pcode


@pytest.mark.parametrize("from_rollup", [False, True])
def test_the_map_counts_overdue_below_province_level(demo: Any, from_rollup: bool) -> None:
    user = demo("user:city")
    org = queries.organization_for(user, "")
    flt = queries.FigureFilter()
    board = queries.dashboard(user, org, flt, from_rollup=from_rollup)
    for code, province in board.by_province.items():
        prefectures = queries.distribution(
            user, org, flt, level="prefecture", parent=code + "0000", from_rollup=from_rollup
        )["areas"]
        assert sum(a["overdue"] for a in prefectures) == province.overdue, code
        assert sum(a["total"] for a in prefectures) == province.total, code
