"""A kind of notification declared for the tests only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from liudong.notifications import kinds


@pytest.fixture
def hello_kind() -> Iterator[str]:
    kinds.register(kinds.Kind("test.hello", "Hello {name}", "From {place}"))
    yield "test.hello"
    kinds._KINDS.unregister("test.hello")
