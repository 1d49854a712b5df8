"""The candidate host sites' API: read-only, through the gate (issue 15)."""

from __future__ import annotations

from typing import Any

import pytest

from liudong.stations.models import HostSite, Station

pytestmark = pytest.mark.django_db


def test_the_city_reads_every_candidate_and_which_station_it_hosts(login: Any) -> None:
    response = login("city").get("/api/v1/siting-candidates/?page_size=500")
    assert response.status_code == 200
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    assert len(rows) == HostSite.objects.count() > 0
    station = Station.objects.filter(host_site__isnull=False).order_by("code").first()
    row = next(r for r in rows if r["id"] == station.host_site_id)
    assert station.code in row["stations"] and row["capacity"] == 500


def test_a_county_reads_only_the_sites_it_keeps(login: Any, demo: Any) -> None:
    county = demo("620821")
    response = login("jingchuan").get("/api/v1/siting-candidates/?page_size=500")
    assert response.status_code == 200
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    mine = HostSite.objects.filter(organization__path__startswith=county.path)
    assert {r["id"] for r in rows} == set(mine.values_list("pk", flat=True))
    assert login("jingchuan").post("/api/v1/siting-candidates/", {}).status_code == 405
