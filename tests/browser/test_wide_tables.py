"""Wide tables on a 1366×768 screen: the ledger scrolls inside its card (header row and first
column in view, its scroll bar within the window); the monthly report fits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.test_pages import signed_in_page

MEASURE = """(selector) => {
  const table = document.querySelector(selector);
  const box = table.parentElement;
  const style = getComputedStyle(box);
  const before = table.querySelector('tbody tr > :first-child').getBoundingClientRect().left;
  box.scrollLeft = box.scrollWidth;
  const after = table.querySelector('tbody tr > :first-child').getBoundingClientRect().left;
  const last = table.querySelector('thead tr > :last-child').getBoundingClientRect();
  const result = {
    pageWidth: document.documentElement.scrollWidth, windowWidth: innerWidth,
    windowHeight: innerHeight, overflowX: style.overflowX,
    tableWidth: table.scrollWidth, boxWidth: box.clientWidth, boxHeight: box.clientHeight,
    boxLeft: box.getBoundingClientRect().left, boxRight: box.getBoundingClientRect().right,
    firstBefore: before, firstAfter: after, lastRight: last.right,
  };
  box.scrollLeft = 0;
  return result;
}"""


def _usable(m: dict[str, Any], *, must_fit: bool) -> list[str]:
    problems = []
    if m["pageWidth"] > m["windowWidth"]:
        problems.append(f"the page scrolls sideways: {m['pageWidth']} > {m['windowWidth']}")
    if m["boxRight"] > m["windowWidth"]:
        problems.append(f"the card ends outside the window: {m['boxRight']}")
    if m["tableWidth"] <= m["boxWidth"]:
        return problems  # the whole table is in view
    if must_fit:
        problems.append(f"cut off: table {m['tableWidth']} px in a card of {m['boxWidth']} px")
        return problems
    if m["overflowX"] not in ("auto", "scroll"):
        problems.append(f"the card does not scroll: overflow-x {m['overflowX']}")
    if m["boxHeight"] > m["windowHeight"]:
        problems.append(
            f"the card is {m['boxHeight']} px tall, past the window: its scroll bar is hidden"
        )
    if abs(m["firstAfter"] - m["firstBefore"]) > 1:
        problems.append("the first column scrolls away")
    if m["lastRight"] > m["boxRight"] + 1:
        problems.append("the last column cannot be scrolled into view")
    return problems


def test_ledger_and_report_are_not_cut_off_at_1366(
    live_server: Any, browser: Any, demo: Any, screenshots: Path
) -> None:
    base = live_server.url
    context, page, outside = signed_in_page(browser, base, "jingchuan")
    page.set_viewport_size({"width": 1366, "height": 768})
    problems = []
    for lang in ("zh", "en"):
        if lang == "en":
            with page.expect_navigation():
                page.select_option("#ld-lang-select", "en")
        for path, selector, must_fit, name in (
            ("/ledger/out-of-province/", "#ledger-table table", False, "ledger"),
            ("/statistics/reports/", "#report-table", True, "report"),
        ):
            page.goto(f"{base}{path}")
            page.screenshot(path=str(screenshots / f"wide-{name}-1366-{lang}.png"))
            found = _usable(page.evaluate(MEASURE, selector), must_fit=must_fit)
            problems += [f"{name} ({lang}): {p}" for p in found]
    assert not problems, problems
    assert not outside, outside
    context.close()
