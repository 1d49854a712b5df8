"""The station workbench in the browser (issue 13 item 5): station05's staff sign in and
their home page shows the check-ins to answer, the alerts, the open service requests by
deadline, the week's activities and the latest notifications. Screenshot:
var/screenshots/workbench-station05.png (and the county's, workbench-county-jingchuan.png)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from liudong.demo.tree import DEMO_PASSWORD


def _sign_in(browser: Any, base: str, username: str) -> Any:
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = desk.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    return page


def test_station_staff_home_is_the_workbench(
    live_server: Any, browser: Any, demo: Any, screenshots: Path
) -> None:
    errors: list[str] = []
    page = _sign_in(browser, live_server.url, "station05")
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/home/")
    for key in (
        "workbench_check_ins",
        "workbench_alerts",
        "workbench_requests",
        "workbench_activities",
        "workbench_notifications",
    ):
        assert page.locator(f"#card-{key}").is_visible(), key
    requests = page.locator("#card-workbench_requests")
    assert requests.locator("[data-request]").count() >= 1  # the demo's open requests
    states = requests.locator("[data-request]").evaluate_all(
        "rows => rows.map(r => r.dataset.dueState)"
    )
    # Overdue ones first (nearest deadline first).
    assert states == sorted(states, key=lambda s: s != "overdue")
    page.screenshot(path=str(screenshots / "workbench-station05.png"), full_page=True)
    county = _sign_in(browser, live_server.url, "jingchuan")
    county.goto(f"{live_server.url}/home/")
    assert county.locator("#card-workbench_requests").is_visible()
    county.screenshot(path=str(screenshots / "workbench-county-jingchuan.png"), full_page=True)
    assert not errors, errors
