"""Signing up from the phone: refused over capacity, outside the audience, after the start,
for a cancelled activity and twice; staff sign up a member on their behalf."""

from __future__ import annotations

from typing import Any

import pytest

from liudong.activities import actions
from liudong.activities.models import Audience, SignUp
from liudong.core.errors import DomainError, ScopeError
from tests.activities.helpers import at, attached_member, planned, staff_of

pytestmark = pytest.mark.django_db


def _refused(code: str, **kwargs: Any) -> None:
    before = SignUp.objects.count()
    with pytest.raises(DomainError) as refused:
        actions.sign_up(**kwargs)
    assert refused.value.code == code
    assert SignUp.objects.count() == before


def test_a_member_of_the_station_signs_up_once(clock: Any, demo: Any) -> None:
    user, member = attached_member(demo)
    activity = planned(5)
    row = actions.sign_up(by=user, activity=activity)
    assert (row.member, row.activity) == (member, activity)
    _refused("already_signed_up", by=user, activity=activity)
    assert SignUp.objects.filter(activity=activity).count() == 1


def test_sign_up_over_capacity_is_refused(clock: Any, demo: Any) -> None:
    activity = planned(5, capacity=2)
    for _ in range(2):
        user, _member = attached_member(demo)
        actions.sign_up(by=user, activity=activity)
    late, _member = attached_member(demo)
    _refused("full", by=late, activity=activity)
    # a place freed by a withdrawal is taken again
    first = SignUp.objects.filter(activity=activity).first().member.user
    actions.withdraw_sign_up(by=first, activity=activity)
    assert actions.sign_up(by=late, activity=activity).member.user == late


def test_sign_up_outside_the_audience_is_refused(clock: Any, demo: Any) -> None:
    elsewhere, _member = attached_member(demo, 6, county="620822")  # 未央's member
    _refused("outside_audience", by=elsewhere, activity=planned(5))
    opened = planned(5, audience=Audience.OPEN)
    assert actions.sign_up(by=elsewhere, activity=opened).activity == opened


def test_sign_up_after_the_start_is_refused(clock: Any, demo: Any) -> None:
    user, _member = attached_member(demo)
    activity = planned(5, starts_in=30)
    clock(at(30))
    _refused("already_started", by=user, activity=activity)
    with pytest.raises(DomainError):
        actions.withdraw_sign_up(by=user, activity=activity)


def test_sign_up_for_a_cancelled_activity_is_refused(clock: Any, demo: Any) -> None:
    user, _member = attached_member(demo)
    activity = planned(5)
    actions.cancel_activity(by=staff_of(5), activity=activity, reason="改期")
    _refused("not_open", by=user, activity=activity)


def test_a_member_from_a_branch_signs_up_for_its_meeting(clock: Any, demo: Any) -> None:
    from tests.stations.helpers import member_with_account

    user, member, _flow = member_with_account(demo, county="620821")
    meeting = actions.plan_activity(
        by=demo("user:jingchuan"),
        organizer=member.home_organization,
        kind="branch_meeting",
        title="支部党员大会",
        starts_at=at(hours=5),
        ends_at=at(hours=6),
        online_link="https://meeting.example.cn/j/1",
        audience=Audience.BRANCH,
    )
    assert actions.in_audience(meeting, member)
    assert actions.sign_up(by=user, activity=meeting).member == member
    stranger, _m = attached_member(demo, 6, county="620822")  # another county's branch
    _refused("outside_audience", by=stranger, activity=meeting)


def test_staff_sign_up_a_member_for_their_station_and_not_for_another(
    clock: Any, demo: Any
) -> None:
    _user, member = attached_member(demo)
    activity = planned(5)
    assert actions.sign_up(by=staff_of(5), activity=activity, member=member).member == member
    other = planned(5)
    before = SignUp.objects.count()
    with pytest.raises(ScopeError):
        actions.sign_up(by=staff_of(6), activity=other, member=member)
    assert SignUp.objects.count() == before


def test_staff_without_a_member_entry_cannot_sign_up_as_themselves(clock: Any) -> None:
    with pytest.raises(ScopeError):
        actions.sign_up(by=staff_of(5), activity=planned(5))
