"""The city plans stations in a real browser (issue 15, item 3): the plan form, a plan of 8
new liaison sites at 30 km on the map, a second plan (50 km), the two side by side.
Screenshots in var/screenshots/siting-*.png; the two best copied to docs/screenshots/."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from liudong.config import project_root
from liudong.demo.siting import build_host_sites
from liudong.siting.models import SitingPlan
from tests.browser.test_ledger_walk import sign_in

DOCS = project_root() / "docs" / "screenshots"


def _run(page: Any, base: str, name: str, k: int, radius: int) -> SitingPlan:
    page.goto(f"{base}/siting/new/")
    page.fill("input[name=name]", name)
    page.fill("input[name=k]", str(k))
    page.fill("input[name=radius_km]", str(radius))
    with page.expect_navigation():
        page.click("#run-plan")
    plan = SitingPlan.objects.get(name=name)
    assert page.url == f"{base}/siting/{plan.pk}/"
    return plan


@pytest.mark.browser
def test_city_runs_two_plans_and_compares_them(
    live_server: Any, browser: Any, demo: Any, screenshots: Path
) -> None:
    build_host_sites()
    base = live_server.url
    context, page, outside, errors = sign_in(browser, base, "city")

    # 1. The menu offers the planner; the form refuses K = 0 in words.
    page.goto(f"{base}/home/")
    with page.expect_navigation():
        page.click("a[href='/siting/']")
    page.click("#new-plan")
    page.wait_for_url(f"{base}/siting/new/")
    page.fill("input[name=name]", "零个")
    page.fill("input[name=k]", "0")
    with page.expect_navigation():
        page.click("#run-plan")
    assert "K 至少为 1" in page.locator("main").inner_text()
    page.screenshot(path=str(screenshots / "siting-1-refused.png"), full_page=True)

    # 2. Eight new liaison sites at 30 km: on the map, with the figures and the disclaimer.
    first = _run(page, base, "8个新站点·30公里", 8, 30)
    assert first.status == "optimal" and len(first.new_sites) <= 8
    page.wait_for_selector("[data-siting-map][data-drawn]")
    page.wait_for_timeout(900)  # the chosen sites' ripple settles
    assert "规划假设" in page.locator("#radius-disclaimer").inner_text()
    assert str(first.covered) in page.locator("#plan-figures").inner_text()
    for site in first.new_sites:
        assert site["name"] in page.locator("main").inner_text()
    page.screenshot(path=str(screenshots / "siting-2-plan-map.png"), full_page=True)

    # 3. A second plan, the same K at 50 km, then the two side by side.
    second = _run(page, base, "8个新站点·50公里", 8, 50)
    assert second.covered >= first.covered
    page.select_option("#compare-b", str(first.pk))
    with page.expect_navigation():
        page.click("#compare-form button[type=submit]")
    page.wait_for_selector("[data-siting-map='1'][data-drawn]")
    page.wait_for_timeout(900)
    assert "50公里" in page.locator("#side-a").inner_text()
    assert "30公里" in page.locator("#side-b").inner_text()
    assert "可服务党员" in page.locator("#difference").inner_text()
    page.screenshot(path=str(screenshots / "siting-3-compare.png"), full_page=True)

    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshots / "siting-2-plan-map.png", DOCS / "siting-plan-map.png")
    shutil.copy(screenshots / "siting-3-compare.png", DOCS / "siting-compare.png")
    assert not outside, outside
    assert not errors, errors
    context.close()
