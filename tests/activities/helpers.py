"""Test helpers for activities: a frozen clock, an activity at a station, an attached member."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from liudong.accounts.models import User
from liudong.activities import actions
from liudong.activities.models import Activity, ActivityKind, Audience
from liudong.stations import actions as stations
from tests.stations.helpers import member_with_account, station

SHANGHAI = ZoneInfo(settings.TIME_ZONE)
# The activities' clock in these tests: a Monday morning in Beijing time.
NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def at(minutes: int = 0, *, days: int = 0, hours: int = 0) -> datetime.datetime:
    return NOW + datetime.timedelta(days=days, hours=hours, minutes=minutes)


def staff_of(number: int) -> User:
    return User.objects.get(username=f"station{number:02d}")


def attached_member(demo: Any, number: int = 5, county: str = "620821") -> tuple[Any, Any]:
    """(user, member) of a member checked in and confirmed at station ``number``."""
    st = station(number)
    user, member, _record = member_with_account(demo, county=county, to=st.place_id)
    check_in, _ = stations.request_check_in(by=user, station=st)
    stations.confirm_check_in(by=staff_of(number), check_in=check_in)
    member.refresh_from_db()
    assert member.inflow_organization_id == st.branch_id
    return user, member


def planned(number: int = 5, *, starts_in: int = 24 * 60, **fields: Any) -> Activity:
    """A planned activity of station ``number``'s branch, starting ``starts_in`` minutes
    from :data:`NOW` and lasting two hours (the clock must be frozen at NOW)."""
    values = {
        "kind": ActivityKind.THEORY_STUDY,
        "title": "理论学习",
        "starts_at": at(starts_in),
        "ends_at": at(starts_in + 120),
        "place": "党员活动室",
        "audience": Audience.STATION,
    } | fields
    return actions.plan_activity(by=staff_of(number), organizer=station(number).branch, **values)
