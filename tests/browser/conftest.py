"""Browser tests: Debian's Chromium driven by Playwright against the live test server."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from liudong.config import project_root

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = project_root() / "var" / "screenshots"


def pytest_collection_modifyitems(items: list[Any]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the
    # test itself are still plain synchronous code. Test runs only, never a deployment.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield _Watched(browser)
        browser.close()


# --- The browser's own complaints about the security headers (issue 16, decision 180) ------
# Every page any browser test opens is watched: a console message saying the
# Content-Security-Policy refused something, or that the Permissions-Policy header has a
# feature the browser does not know, fails the test that opened the page.
_POLICY_COMPLAINTS: list[str] = []
_COMPLAINT_WORDS = ("Content Security Policy", "Content-Security-Policy", "Permissions-Policy")


def _listen(target: Any) -> None:
    def heard(message: Any) -> None:
        text = message.text
        if any(words in text for words in _COMPLAINT_WORDS):
            _POLICY_COMPLAINTS.append(f"{message.type}: {text[:300]}")

    target.on("console", heard)


class _Watched:
    """The browser, each new context and page listened to (everything else passes through)."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    def new_context(self, *args: Any, **kwargs: Any) -> Any:
        context = self._browser.new_context(*args, **kwargs)
        _listen(context)
        return context

    def new_page(self, *args: Any, **kwargs: Any) -> Any:
        page = self._browser.new_page(*args, **kwargs)
        _listen(page.context)
        return page


@pytest.fixture(autouse=True)
def no_policy_complaints() -> Iterator[None]:
    del _POLICY_COMPLAINTS[:]
    yield
    complaints = list(_POLICY_COMPLAINTS)
    del _POLICY_COMPLAINTS[:]
    assert not complaints, complaints


# --- end of the policy watch -----------------------------------------------------------------


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def cjk_fonts() -> list[str]:
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if line.strip()]
