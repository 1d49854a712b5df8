"""Waiting for a condition in the page without Playwright's ``wait_for_function``: that one
polls through the page's ``eval``, which the Content-Security-Policy forbids (decision 180).
``evaluate`` goes through the browser's debugging protocol, which the policy does not
govern, so the condition is polled from here."""

from __future__ import annotations

import time
from typing import Any


def wait_until(target: Any, expression: str, arg: Any = None, timeout: float = 30000) -> Any:
    """Evaluate ``expression`` on ``target`` (a page or an element handle) every 100 ms
    until it is truthy; its value, or an AssertionError after ``timeout`` milliseconds."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = target.evaluate(expression) if arg is None else target.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout:g} ms: {expression}")
        time.sleep(0.1)
