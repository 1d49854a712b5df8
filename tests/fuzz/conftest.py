"""The fuzzing tests' figures (operations and examples fuzzed), printed at the end of the
run even under ``-q`` and output capture, as CI's log shows them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

LINES = pytest.StashKey[list[str]]()


@pytest.fixture
def report_figure(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Keep a line for the summary at the end of the run (and print it for ``-s``)."""
    lines = request.config.stash.setdefault(LINES, [])

    def add(line: str) -> None:
        lines.append(line)
        print(line)

    return add


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    lines = config.stash.get(LINES, [])
    if lines:
        terminalreporter.section("fuzzing")
        for line in lines:
            terminalreporter.write_line(line)
