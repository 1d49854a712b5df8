"""Fixtures for the yearly cycle: a 灵台 member away in 西安雁塔, kept by 泾川's station
ST05 (the flow's inflow side), the home branch's secretary, the station's staff, and a
frozen clock."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from liudong.accounts.models import Role, User
from tests.stations.helpers import member_with_account, station

# Monday 15 February 2027, 10:00 Beijing time: January 2027 was the last month owed.
FROZEN = timezone.make_aware(datetime.datetime(2027, 2, 15, 10, 0))


@pytest.fixture
def frozen(monkeypatch: Any) -> datetime.datetime:
    """timezone.now() (and so localdate()) is FROZEN everywhere during the test."""
    monkeypatch.setattr(timezone, "now", lambda: FROZEN)
    return FROZEN


@pytest.fixture
def st05(db: Any) -> Any:
    return station(5)


@pytest.fixture
def away(demo: Any, st05: Any) -> tuple[Any, Any, Any]:
    """(user, member, flow): a 灵台 member with an open stay in 雁塔, kept by ST05."""
    user, member, flow = member_with_account(demo, county="620822", to="610113")
    type(flow).objects.filter(pk=flow.pk).update(
        inflow_organization=st05.branch, certificate_number="LT-2024-001"
    )
    type(member).objects.filter(pk=member.pk).update(inflow_organization=st05.branch)
    flow.refresh_from_db()
    member.refresh_from_db()
    return user, member, flow


@pytest.fixture
def secretary(away: Any) -> Any:
    """The secretary of the member's home branch."""
    member = away[1]
    return User.objects.create(
        username=f"sec{member.pk}",
        role=Role.BRANCH_SECRETARY,
        organization=member.home_organization,
    )


@pytest.fixture
def staff(demo: Any) -> Any:
    return demo("user:station05")


@pytest.fixture
def outsider(demo: Any) -> Any:
    """静宁's administrator: neither side of the member."""
    return demo("user:jingning")
