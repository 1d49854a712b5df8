"""The staff pages work in a real browser, offline, in Chinese; screenshots for the README."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from liudong.demo.tree import DEMO_PASSWORD


def signed_in_page(browser: Any, base: str, username: str) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": 1366, "height": 860})
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/home/")
    return context, page, outside


def test_tree_places_audit_and_api_docs(
    live_server: Any, browser: Any, demo: Any, screenshots: Path
) -> None:
    base = live_server.url
    context, page, outside = signed_in_page(browser, base, "jingchuan")

    page.goto(f"{base}/orgs/")
    tree = page.inner_text(".ld-tree")
    assert "中共泾川县委员会" in tree and "灵台" not in tree
    page.screenshot(path=str(screenshots / "orgs-tree-county-zh.png"), full_page=True)

    page.goto(f"{base}/places/")
    page.fill("#f-address", "陕西省西安市雁塔区长安南路")
    with page.expect_navigation():
        page.press("#f-address", "Enter")
    assert "610113" in page.inner_text("main")
    page.screenshot(path=str(screenshots / "places-resolve-zh.png"), full_page=True)

    page.goto(f"{base}/audit/")
    assert page.locator("table tbody tr").count() >= 1
    page.screenshot(path=str(screenshots / "audit-county-zh.png"), full_page=True)

    # Swagger UI comes from the app itself (drf-spectacular-sidecar), not a CDN.
    page.goto(f"{base}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20000)
    page.screenshot(path=str(screenshots / "api-docs.png"))
    assert not outside, outside
    context.close()


def test_move_an_organization_in_the_browser(
    live_server: Any, browser: Any, demo: Any, screenshots: Path
) -> None:
    base = live_server.url
    context, page, _ = signed_in_page(browser, base, "city")
    branch = demo("620821001").children.order_by("code").last()
    page.goto(f"{base}/orgs/{branch.pk}/move/")
    page.select_option("#id_new_parent", str(demo("620821002").pk))
    page.fill("#id_reason", "行政村合并")
    with page.expect_navigation():
        page.click("main button.btn-primary")
    assert "王村镇" in page.inner_text(".ld-breadcrumbs")
    branch.refresh_from_db()
    assert branch.parent == demo("620821002")
    page.screenshot(path=str(screenshots / "orgs-moved-zh.png"), full_page=True)
    context.close()
