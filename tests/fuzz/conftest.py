"""The fuzzing tests' figures (operations and examples fuzzed), printed at the end of the
run even under ``-q`` and output capture, as CI's log shows them."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

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
    lines = list(config.stash.get(LINES, []))
    inputs = config.stash.get(INPUTS, {})
    if inputs:
        each = ", ".join(f"{target} {count}" for target, count in sorted(inputs.items()))
        total = sum(inputs.values())
        lines.append(f"input fuzz: {len(inputs)} parsers, {total} examples ({each})")
    if lines:
        terminalreporter.section("fuzzing")
        for line in lines:
            terminalreporter.write_line(line)


# --- input fuzzing: properties run with a count, summed up at the end ---------------------

INPUTS = pytest.StashKey[dict[str, int]]()
# Examples per property; unset, each property's own bound (CI). `make fuzz` raises it.
INPUT_EXAMPLES = int(os.environ.get("LIUDONG_FUZZ_INPUT_EXAMPLES", "0"))


@pytest.fixture
def fuzz(request: pytest.FixtureRequest) -> Callable[..., int]:
    """``fuzz(target, strategy, check, examples)``: run ``check`` on ``examples`` values
    drawn from ``strategy`` (Hypothesis, shrinking a failure to its smallest input)."""
    counts = request.config.stash.setdefault(INPUTS, {})

    def run(target: str, strategy: Any, check: Callable[[Any], None], examples: int) -> int:
        ran = 0

        @settings(
            max_examples=INPUT_EXAMPLES or examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(strategy)
        def holds(value: Any) -> None:
            nonlocal ran
            ran += 1
            check(value)

        holds()
        counts[target] = counts.get(target, 0) + ran
        return ran

    return run
