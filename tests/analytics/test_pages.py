"""The pages show the figures the API gives; the demo's figures are computed from data."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from liudong.analytics import cards, reports
from liudong.demo import ledger

EN = {"liudong_language": "en"}


def test_demo_city_dashboard_matches_the_demo_ledger(login: Any) -> None:
    """The figures the seed gives, computed from the (scaled) demo ledger: the generator's
    own count and the dashboard's agree; at full size they are 5,998 / 1,854 / 1,321."""
    counts = ledger.ledger_counts()
    body = login("city").get("/api/v1/analytics/dashboard/").json()
    open_records = counts["open_registered"] + counts["open_managed"] + counts["open_lost"]
    assert body["members_open"] == open_records
    # The census figure: the demo ledger entered through the demo round, every member found.
    assert body["members_found"] == open_records
    assert body["outflow_under_liaison_stations"] == counts["outflow_station_cities"]
    assert body["inflow_under_service_stations"] == counts["inflow"]
    assert body["stations"]["total"] == 12
    assert body["stations"]["by_kind"] == {"liaison": 8, "service": 4}
    assert len(body["stations"]["liaison_cities"]) == 4


def test_city_dashboard_page_shows_the_cards(login: Any) -> None:
    client = login("city")
    client.cookies.load(EN)
    html = client.get("/statistics/dashboard/").content.decode()
    body = client.get("/api/v1/analytics/dashboard/").json()
    for key in ("members_found", "outflow_under_liaison", "inflow_under_service", "stations"):
        assert f'id="card-{key}"' in html
    assert f'data-figure="members_found">{body["members_found"]:,}<' in html
    assert "How these figures are counted" in html
    assert 'id="card-co_managed"' not in html  # a county's card


def test_county_and_station_dashboards(login: Any) -> None:
    client = login("jingchuan")
    html = client.get("/statistics/dashboard/").content.decode()
    assert 'id="card-co_managed"' in html and 'id="card-coverage_rows"' in html
    station = client.get("/statistics/dashboard/?org=620800-LD05").content.decode()
    assert 'id="card-attached"' in station and 'id="card-members_found"' not in station


def test_a_card_from_another_app_slots_in(login: Any) -> None:
    card = cards.register(
        cards.Card(
            "test_card", "Test card", "analytics/cards/co_managed.html",
            lambda ctx: {"value": 4321}, levels=(cards.CITY,), order=5,
        )
    )  # fmt: skip
    try:
        client = login("city")
        client.cookies.load(EN)
        html = client.get("/statistics/dashboard/").content.decode()
        assert 'id="card-test_card"' in html and "4,321" in html
        assert html.index("card-test_card") < html.index("card-members_found")
    finally:
        cards.unregister(card.key)


def test_every_statistics_page_opens(login: Any) -> None:
    client = login("city")
    for url in (
        "/statistics/dashboard/",
        "/statistics/map/",
        "/statistics/map/?view=lines&direction=inflow",
        "/statistics/coverage/",
        "/statistics/trends/",
        "/statistics/reports/",
        "/statistics/wall/",
        "/api/v1/analytics/distribution/?level=prefecture&parent=610000",
        "/api/v1/analytics/flow-lines/",
    ):
        assert client.get(url).status_code == 200, url


def test_distribution_areas_link_to_the_ledger(login: Any) -> None:
    body = login("jingchuan").get("/api/v1/analytics/distribution/").json()
    assert body["areas"]
    shaanxi = next(a for a in body["areas"] if a["code"] == "610000")
    assert shaanxi["ledger_url"].startswith("/ledger/")
    assert "province=610000" in shaanxi["ledger_url"] and "county=620821" in shaanxi["ledger_url"]
    total = sum(a["total"] for a in body["areas"])
    outflow = login("jingchuan").get("/api/v1/analytics/dashboard/?direction=outflow").json()
    assert total == outflow["members_open"]


def test_map_boundaries_are_served_small_and_cached(login: Any) -> None:
    response = login("city").get("/statistics/map/geo/china.json")
    assert response.status_code == 200
    assert "max-age" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert len(body) < 500_000
    assert b'"code":"620000"' in body
    assert login("city").get("/statistics/map/geo/999999.json").status_code == 404


def test_set_target_from_the_page(login: Any, demo: Any) -> None:
    client = login("city")
    response = client.post(
        "/statistics/coverage/targets/",
        {"organization": "620823", "year": "2026", "in_province": "100", "out_of_province": "31"},
    )
    assert response.status_code == 302
    from liudong.analytics.models import CoverageTarget

    assert CoverageTarget.objects.filter(organization__code="620823", year=2026).exists()
    bad = client.post(
        "/statistics/coverage/targets/",
        {"organization": "620823", "year": "2026", "in_province": "x", "out_of_province": "31"},
        follow=True,
    )
    assert bad.status_code == 200
    assert login("jingchuan").post("/statistics/coverage/targets/", {}).status_code == 403


@pytest.mark.parametrize("username, code", [("city", "620800"), ("jingchuan", "620821")])
def test_report_totals_equal_the_sum_of_rows(
    login: Any, demo: Any, username: str, code: str
) -> None:
    body = login(username).get("/api/v1/analytics/report/").json()
    assert body["organization"] == code and body["rows"]
    assert body["totals_match"] is True
    for key in reports.COUNT_KEYS:
        assert body["total"][key] == sum(row[key] for row in body["rows"]), key


def test_past_month_report_from_snapshots_adds_up(login: Any) -> None:
    from liudong.analytics.models import Snapshot

    snap = Snapshot.objects.filter(demo=True, organization__code="620800").order_by("day").last()
    month = f"{snap.day.year}-{snap.day.month:02d}"
    body = login("city").get(f"/api/v1/analytics/report/?month={month}").json()
    assert body["live"] is False and body["totals_match"] is True
    assert body["total"]["found"] == snap.figures["found"]


def test_report_refuses_a_bad_month(login: Any) -> None:
    client = login("city")
    assert client.get("/api/v1/analytics/report/?month=2099-01").status_code == 400
    assert client.get("/statistics/reports/?month=13-xx").status_code == 400


def test_xlsx_has_a_sum_row_and_the_checked_total(login: Any) -> None:
    response = login("city").get("/statistics/reports/?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = values[3]
    assert header[:3] == ["序号", "单位", "摸排流动党员"]
    total_row = next(r for r in values if r[1] == "合计")
    check_row = next(r for r in values if r[1] == "核对（独立统计）")
    assert str(total_row[2]).startswith("=SUM(C5:C")
    data_rows = [r for r in values[4:] if isinstance(r[0], int)]
    assert sum(r[2] for r in data_rows) == check_row[2]
    assert any(r[1] == "合计与分项之和一致" for r in values)
