"""One figure, one number, on every page and API that shows it (the demo ledger): the map's
counts below province level add up to the province's, and each station's attached and
managed members agree on the station list, its page, its staff's workbench, the
dashboards and the API."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from liudong.accounts.models import Role, User
from liudong.analytics import figures
from liudong.members.models import FlowRecord
from liudong.stations.models import Station

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
    org = figures.organization_for(user, "")
    flt = figures.FigureFilter()
    board = figures.dashboard(user, org, flt, from_rollup=from_rollup)
    for code, province in board.by_province.items():
        prefectures = figures.distribution(
            user, org, flt, level="prefecture", parent=code + "0000", from_rollup=from_rollup
        )["areas"]
        assert sum(a["overdue"] for a in prefectures) == province.overdue, code
        assert sum(a["total"] for a in prefectures) == province.total, code


# --- a station's members -----------------------------------------------------------------

ROW = re.compile(r'<tr data-station="([^"]+)">(.*?)</tr>', re.S)
FIGURE = re.compile(r'data-figure="(attached|managed)">([\d,]+)<')


def _figures(html: str) -> dict[str, int]:
    return {key: int(value.replace(",", "")) for key, value in FIGURE.findall(html)}


def _expected(station: Station) -> dict[str, int]:
    """The definition, counted by hand: open records whose inflow side is the branch."""
    records = FlowRecord.objects.filter(is_open=True, inflow_organization=station.branch_id)
    return {"attached": records.count(), "managed": records.filter(status="managed").count()}


def _pages(client: Client, user: Any, station: Station) -> dict[str, dict[str, int]]:
    """The figure on every page and API that shows it, for this viewer."""
    shown: dict[str, dict[str, int]] = {}
    listing = client.get(reverse("stations:list"))
    assert listing.status_code == 200
    rows = {code: _figures(cells) for code, cells in ROW.findall(listing.content.decode())}
    shown["station list"] = rows[station.code]
    page = client.get(reverse("stations:detail", args=[station.pk]))
    assert page.status_code == 200
    shown["station page"] = _figures(page.content.decode())
    api = APIClient()
    api.force_authenticate(user)
    body = api.get(f"/api/v1/stations/{station.pk}/").json()
    shown["API station"] = {"attached": body["attached"], "managed": body["managed"]}
    (listed,) = [s for s in api.get("/api/v1/stations/", {"page_size": 500}).json()["results"]
                 if s["code"] == station.code]  # fmt: skip
    shown["API list"] = {"attached": listed["attached"], "managed": listed["managed"]}
    for from_rollup in (False, True):
        root = figures.organization_for(user, "")
        board = figures.dashboard(user, root, from_rollup=from_rollup).as_dict()
        for row in board["stations"]["list"]:
            if row["code"] == station.code:
                shown[f"dashboard table {from_rollup}"] = {
                    "attached": row["attached"], "managed": row["managed"]
                }  # fmt: skip
        own = figures.dashboard(user, station.branch, from_rollup=from_rollup).as_dict()
        totals = own["totals"]["all"]
        shown[f"station dashboard {from_rollup}"] = {
            "attached": totals["total"], "managed": totals["managed"]
        }  # fmt: skip
    return shown


def test_each_stations_members_agree_on_every_page_and_api(demo: Any, login: Any) -> None:
    stations = list(Station.objects.exclude(branch=None).select_related("branch"))
    assert len(stations) >= 10
    city = demo("user:city")
    client = login("city")
    differ = 0
    for station in stations:
        expected = _expected(station)
        differ += expected["attached"] > expected["managed"] > 0
        for where, shown in _pages(client, city, station).items():
            assert shown == expected, (station.code, where)
    assert differ >= 5  # the demo tells the two figures apart


def test_station_staff_see_the_same_figures_on_their_workbench(demo: Any, login: Any) -> None:
    seen = 0
    for station in Station.objects.exclude(branch=None).select_related("branch"):
        staff = User.objects.filter(role=Role.STATION_STAFF, organization=station.branch_id)
        for user in staff[:1]:
            client = login(user.username)
            home = client.get(reverse("core:home"))
            assert home.status_code == 200
            expected = _expected(station)
            assert _figures(home.content.decode()) == expected, station.code
            for where, shown in _pages(client, user, station).items():
                assert shown == expected, (station.code, where)
            seen += 1
    assert seen >= 10
