"""The city opens a new station in a real browser (issue 13, item 1): the stations list's
"Open a station", the form, the station's page; the station is then on the stations list
and among the distribution map's markers. Screenshots: docs/screenshots/station-open-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from liudong.config import project_root
from liudong.stations.models import Station, StationStatus
from tests.browser.test_ledger_walk import sign_in

SHOTS = project_root() / "docs" / "screenshots"
CODE = "620800-ST20"
NAME = "平凉市驻天水麦积区流动党员联络站"


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"station-open-{name}.png"), full_page=True)


@pytest.mark.browser
def test_city_opens_a_station_and_it_is_on_the_list_and_the_map(
    live_server: Any, browser: Any, demo: Any, screenshots: Path
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    context, page, outside, errors = sign_in(browser, base, "city")

    # 1. The stations list offers "Open a station".
    page.goto(f"{base}/stations/")
    with page.expect_navigation():
        page.click("[data-action=open-station]")
    assert page.url == f"{base}/stations/new/"

    # 2. The form: first a county-level place that is not one (a city), refused under it.
    page.select_option("select[name=kind]", "liaison")
    page.fill("input[name=code]", CODE)
    page.fill("input[name=name]", NAME)
    page.select_option("select[name=organization]", str(demo("620802").pk))
    page.fill("input[name=place]", "620500")
    page.fill("input[name=address]", "天水市麦积区桥南伏羲路 8 号")
    page.fill("input[name=lng]", "105.90")
    page.fill("input[name=lat]", "34.57")
    page.select_option("select[name=host_kind]", "enterprise")
    page.fill("input[name=host_name]", "天水崆峒商会")
    page.fill("input[name=host_contact]", "马会长")
    page.fill("input[name=opening_hours]", "周一至周五 9:00–17:30")
    page.check("input[name=services][value=check_in]")
    page.check("input[name=services][value=policy]")
    page.fill("input[name=contact_phone]", "0938-2718888")
    _shot(page, "1-form")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    error = page.locator(".invalid-feedback").first
    assert "县级" in error.inner_text()
    assert not Station.objects.filter(code=CODE).exists()
    _shot(page, "2-refused")

    # 3. Corrected to the district: the station opens, with its branch.
    page.fill("input[name=place]", "620503")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    station = Station.objects.get(code=CODE)
    assert page.url == f"{base}/stations/{station.pk}/"
    assert station.status == StationStatus.OPEN and station.branch is not None
    assert "已开设" in page.locator(".alert, [role=alert]").first.inner_text()
    assert "桥南伏羲路" in page.locator("#locations").inner_text()
    _shot(page, "3-detail")

    # 4. On the stations list, and among the distribution map's markers.
    page.goto(f"{base}/stations/")
    row = page.locator(f"tr[data-station='{CODE}']")
    assert NAME in row.inner_text()
    _shot(page, "4-list")
    page.goto(f"{base}/statistics/map/")
    page.wait_for_load_state("networkidle")
    markers = page.evaluate(
        """async () => {
            const cfg = JSON.parse(document.getElementById("map-config").textContent);
            const query = cfg.query.replace(/(^|&)direction=[^&]*/, "");
            const r = await fetch(cfg.dashboard + "?" + query);
            const body = await r.json();
            return body.stations.list.map(s => s.name);
        }"""
    )
    assert NAME in markers
    page.goto(f"{base}/statistics/map/?area=620000")  # 甘肃: the new marker in 天水
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(800)  # the markers' ripple settles
    _shot(page, "5-map")

    # 6. Closing a station whose check-ins await an answer: the page says so, and refuses.
    busy = Station.objects.get(code="620800-ST05")
    assert busy.check_ins.filter(status="pending").exists()
    page.goto(f"{base}/stations/{busy.pk}/close/")
    assert "待处理" in page.locator("[data-blocking]").inner_text()
    page.fill("textarea[name=reason]", "撤并")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "待处理" in page.locator(".invalid-feedback, .alert-danger").first.inner_text()
    assert Station.objects.get(pk=busy.pk).status == StationStatus.OPEN
    _shot(page, "6-close-refused")
    assert not outside, outside
    assert not errors, errors
    context.close()
