"""The wall display's title fits between its buttons, in English too (issue 10, item 20)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_pages import signed_in_page


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1366, 768)])
def test_wall_title_does_not_run_into_the_buttons(
    live_server: Any,
    browser: Any,
    demo: Any,
    screenshots: Path,
    language: str,
    width: int,
    height: int,
) -> None:
    base = live_server.url
    context, page, outside = signed_in_page(browser, base, "city")
    context.add_cookies([{"name": "liudong_language", "value": language, "url": base}])
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{base}/statistics/wall/")
    page.wait_for_timeout(1500)
    page.screenshot(path=str(screenshots / f"statistics-wall-{language}-{width}.png"))
    title = page.locator(".ld-wall-head h1")
    box = title.bounding_box()
    assert box is not None
    # The text itself, not the element's box: a centred line may be wider than its box.
    text_box = page.evaluate(
        """() => { const r = document.createRange();
        r.selectNodeContents(document.querySelector('.ld-wall-head h1'));
        const b = r.getBoundingClientRect();
        return {x: b.x, y: b.y, width: b.width, height: b.height}; }"""
    )
    for other in (".ld-wall-back", ".ld-wall-meta"):
        other_box = page.locator(f".ld-wall-head {other}").bounding_box()
        assert other_box is not None
        assert not _overlap(text_box, other_box), (other, text_box, other_box)
    # Nothing cut off: the title is wholly on the screen and not clipped by its box.
    assert text_box["x"] >= 0 and text_box["x"] + text_box["width"] <= width
    assert page.evaluate(
        "(() => { const h = document.querySelector('.ld-wall-head h1');"
        " return h.scrollWidth <= h.clientWidth + 1; })()"
    )
    # The grid below starts under the header and ends on the screen.
    grid = page.locator(".ld-wall-grid").bounding_box()
    head = page.locator(".ld-wall-head").bounding_box()
    assert grid["y"] >= head["y"] + head["height"] - 1
    assert grid["y"] + grid["height"] <= height + 1
    assert not outside, outside
    context.close()
