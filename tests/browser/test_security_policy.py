"""The Content-Security-Policy in a real browser (decision 180): what used to be inline
works from the static files (the language switch, the ledger's filters, confirmations, the
trend chart), an injected inline script is refused, and the browser says so (the watch in
tests/browser/conftest.py hears it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser import conftest as browser_conftest
from tests.browser.test_pages import signed_in_page


def test_the_policy_refuses_inline_script_and_the_pages_still_work(
    live_server: Any, browser: Any, demo: Any, screenshots: Path
) -> None:
    base = live_server.url
    context, page, outside = signed_in_page(browser, base, "city")

    # An inline script slipped into the page does not run, and the browser reports it.
    page.goto(f"{base}/home/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__injected = 1'; document.body.appendChild(s); }"
    )
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__injected") is None
    heard = list(browser_conftest._POLICY_COMPLAINTS)
    del browser_conftest._POLICY_COMPLAINTS[:]  # expected here: not a failure of the test
    assert any("script" in line for line in heard), heard

    # The language switch (was onchange=) sends its form from app.js.
    with page.expect_navigation():
        page.select_option("#ld-lang-select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.select_option("#ld-lang-select", "zh-hans")

    # The ledger's county filter (was onchange= with inline code) filters and clears below.
    page.goto(f"{base}/ledger/out-of-province/")
    with page.expect_navigation():
        page.select_option("#f-county", "620821")
    assert page.locator("#f-county").input_value() == "620821"
    assert page.locator("#f-township").count() == 1  # the county's townships now offered

    # The trend chart (was an inline script) draws from analytics/trends.js.
    page.goto(f"{base}/statistics/trends/")
    if page.locator("#trend-chart").count():
        page.wait_for_selector("#trend-chart canvas", timeout=30000)
    page.screenshot(path=str(screenshots / "csp-trends-zh.png"))

    # A confirmation (was onclick="return confirm(…)"): dismissed, nothing is sent.
    page.goto(f"{base}/statistics/reports/")
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.evaluate(
        "() => { const f = document.createElement('form'); f.method = 'post';"
        " f.action = '/no-such-form/'; f.setAttribute('data-ask', 'Sure?');"
        " const b = document.createElement('button'); f.appendChild(b);"
        " document.body.appendChild(f); b.click(); }"
    )
    page.wait_for_timeout(300)
    assert asked == ["confirm"] and page.url.endswith("/statistics/reports/")

    assert not outside, outside

    # Redoc renders under its page's policy; the one thing it would fetch from the internet
    # (its footer's logo on cdn.redoc.ly) is refused: the only complaint heard there.
    page.goto(f"{base}/api/redoc/")
    page.wait_for_selector(".api-content", timeout=30000)
    page.wait_for_timeout(500)
    heard = list(browser_conftest._POLICY_COMPLAINTS)
    del browser_conftest._POLICY_COMPLAINTS[:]
    assert all("cdn.redoc.ly" in line for line in heard), heard
    assert not [url for url in outside if not url.startswith(("blob:", "https://cdn.redoc.ly/"))]
    context.close()
