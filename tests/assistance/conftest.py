"""Fixtures for the service requests: a 灵台 member away in 西安雁塔 (泾川's station ST05
serves there), the station's staff, and a frozen clock."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from liudong.assistance import actions
from tests.stations.helpers import member_with_account, station

# Wednesday 30 September 2026, 10:30 Beijing time: the day before National Day.
FROZEN = timezone.make_aware(datetime.datetime(2026, 9, 30, 10, 30))


@pytest.fixture
def asker(demo: Any) -> tuple[Any, Any, Any]:
    """(user, member, flow): a member of 灵台 with an account and an open stay in 雁塔."""
    return member_with_account(demo, county="620822", to="610113")


@pytest.fixture
def st05(db: Any) -> Any:
    return station(5)


@pytest.fixture
def staff(demo: Any) -> Any:
    return demo("user:station05")


@pytest.fixture
def frozen(monkeypatch: Any) -> datetime.datetime:
    """timezone.now() is FROZEN everywhere during the test."""
    monkeypatch.setattr(timezone, "now", lambda: FROZEN)
    return FROZEN


@pytest.fixture
def make_request(asker: Any, st05: Any) -> Any:
    def make(kind: str = "hardship", text: str = "工资被拖欠，生活困难", **extra: Any) -> Any:
        user = extra.pop("by", asker[0])
        created, _new = actions.submit_request(
            by=user, station=extra.pop("station", st05), kind=kind, description=text, **extra
        )
        return created

    return make
