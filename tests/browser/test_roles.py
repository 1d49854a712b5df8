"""Each demo role signs in through the real login page, in Chinese and in English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from liudong.demo.tree import DEMO_PASSWORD

ROLES = [
    ("city", "city_admin", "市级工作台", "City workbench"),
    ("jingchuan", "county_admin", "县级工作台", "County workbench"),
    ("station05", "station_staff", "联络站工作台", "Station workbench"),
    ("secretary_jc", "branch_secretary", "支部工作台", "Branch workbench"),
    ("member_jc", "member", "您好", "Hello"),
]


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/home/")


def test_cjk_fonts_are_installed(cjk_fonts: list[str]) -> None:
    assert cjk_fonts, "install fonts-noto-cjk: Chinese would render as boxes"


@pytest.mark.parametrize(("username", "role", "title_zh", "title_en"), ROLES)
def test_home_page_per_role_in_chinese_and_english(
    live_server: Any,
    browser: Any,
    demo: Any,
    screenshots: Path,
    username: str,
    role: str,
    title_zh: str,
    title_en: str,
) -> None:
    for viewport, suffix in (
        ({"width": 1366, "height": 860}, ""),
        ({"width": 390, "height": 844}, "-phone"),
    ):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        requests: list[str] = []
        page.on("request", lambda r, requests=requests: requests.append(r.url))

        sign_in(page, live_server.url, username)
        assert title_zh in page.inner_text("main")
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        page.screenshot(path=str(screenshots / f"home-{role}-zh{suffix}.png"), full_page=True)

        # Switch language the way a user does: the selector in the top bar (staff), the
        # button in the light phone pages' top bar (members).
        with page.expect_navigation():
            if role == "member":
                page.click(".m-lang button[value=en]")
            else:
                page.select_option("#ld-lang-select", "en")
        assert title_en in page.inner_text("main")
        assert page.locator("html").get_attribute("lang") == "en"
        page.screenshot(path=str(screenshots / f"home-{role}-en{suffix}.png"), full_page=True)

        assert not errors, errors
        if role == "member":
            # The member's home is a light phone page: no framework, no icon font (the
            # resources this document loaded, not the login page's before it).
            loaded = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
            assert any("/static/liudong/mobile.css" in u for u in loaded), loaded
            heavy = [u for u in loaded if "/static/vendor/" in u]
            assert not heavy, heavy
        outside = [u for u in requests if not u.startswith(live_server.url)]
        assert not outside, f"pages must not fetch from the internet: {outside}"
        context.close()
