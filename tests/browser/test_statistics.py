"""The statistics pages in a real browser, offline, in Chinese: dashboard, map, wall."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.test_pages import signed_in_page
from tests.browser.waiting import wait_until


def test_city_dashboard_map_and_wall(
    live_server: Any, browser: Any, demo: Any, screenshots: Path
) -> None:
    base = live_server.url
    context, page, outside = signed_in_page(browser, base, "city")

    page.goto(f"{base}/statistics/dashboard/")
    found = page.inner_text("[data-figure=members_found]")
    assert found.replace(",", "").isdigit() and int(found.replace(",", "")) > 0
    assert "数据看板" in page.inner_text("h1")
    assert page.locator("#card-coverage_rows tbody tr").count() >= 7
    page.screenshot(path=str(screenshots / "statistics-dashboard-city-zh.png"), full_page=True)

    page.goto(f"{base}/statistics/map/?area=610000")
    wait_until(
        page,
        "() => document.querySelector('#map-trail') && "
        "document.querySelector('#map-trail').innerText.includes('陕西')",
        timeout=60000,
    )
    page.wait_for_selector("#side-list li a", timeout=30000)
    assert "西安" in page.inner_text("#side-list")
    assert page.locator("#map canvas").count() >= 1
    page.wait_for_timeout(800)
    page.screenshot(path=str(screenshots / "statistics-map-shaanxi-zh.png"))

    page.goto(f"{base}/statistics/map/?view=lines")
    wait_until(
        page, "() => document.querySelector('#side-title').innerText === '流向'", timeout=60000
    )
    assert "→" in page.inner_text("#side-list")
    page.wait_for_timeout(800)
    page.screenshot(path=str(screenshots / "statistics-map-lines-zh.png"))

    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{base}/statistics/wall/")
    assert page.locator("meta[http-equiv=refresh]").count() == 1
    page.wait_for_timeout(2500)
    page.screenshot(path=str(screenshots / "statistics-wall-zh.png"))
    assert not outside, outside
    context.close()


def test_report_prints_and_county_sees_only_itself(
    live_server: Any, browser: Any, demo: Any, screenshots: Path
) -> None:
    base = live_server.url
    context, page, _ = signed_in_page(browser, base, "jingchuan")
    page.goto(f"{base}/statistics/reports/")
    assert "已核对" in page.inner_text("#report-check")
    assert "灵台" not in page.inner_text("#report-table")
    page.emulate_media(media="print")
    assert not page.locator(".ld-sidebar").is_visible()
    page.screenshot(path=str(screenshots / "statistics-report-county-print.png"), full_page=True)
    context.close()
