from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.utils import timezone

from tests.activities.helpers import NOW


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime.datetime], datetime.datetime]:
    """Freeze ``timezone.now()``: at :data:`NOW` at once, ``clock(moment)`` moves it."""

    def freeze(moment: datetime.datetime) -> datetime.datetime:
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    freeze(NOW)
    return freeze
