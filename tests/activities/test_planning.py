"""Planning, changing, cancelling an activity and its summary: each transition allowed and
refused, with the time frozen."""

from __future__ import annotations

from typing import Any

import pytest

from liudong.activities import actions
from liudong.activities.models import Activity, ActivityKind, ActivityStatus, Audience
from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.models import AuditEvent
from tests.activities.helpers import at, attached_member, planned, staff_of
from tests.stations.helpers import station

pytestmark = pytest.mark.django_db


def _fields(**more: Any) -> dict[str, Any]:
    return {
        "kind": ActivityKind.DISCUSSION,
        "title": "交流研讨",
        "starts_at": at(hours=30),
        "ends_at": at(hours=32),
        "place": "会议室",
    } | more


def test_station_staff_plan_an_activity_of_their_branch(clock: Any) -> None:
    activity = planned(5, capacity=20)
    assert activity.status == ActivityStatus.PLANNED
    assert activity.organizer == station(5).branch
    assert len(activity.qr_token) >= 16
    assert AuditEvent.objects.filter(verb="activity.plan", object_id=str(activity.pk)).exists()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"starts_at": at(-10), "ends_at": at(60)}, "starts_in_past"),
        ({"ends_at": at(hours=29)}, "ends_before_start"),
        ({"place": "", "online_link": ""}, "place_required"),
        ({"online_link": "javascript:alert(1)"}, "invalid_link"),
        ({"kind": "party"}, "invalid_kind"),
        ({"title": "  "}, "title_required"),
        ({"capacity": 0}, "invalid_capacity"),
        ({"audience": "everyone"}, "invalid_audience"),
        ({"ends_at": at(days=20)}, "too_long"),
    ],
)
def test_planning_refuses_bad_input(clock: Any, fields: dict[str, Any], code: str) -> None:
    before = Activity.objects.count()
    with pytest.raises(DomainError) as refused:
        actions.plan_activity(by=staff_of(5), organizer=station(5).branch, **_fields(**fields))
    assert refused.value.code == code
    assert Activity.objects.count() == before


def test_staff_of_another_station_cannot_plan_for_this_one(clock: Any) -> None:
    with pytest.raises(ScopeError):
        actions.plan_activity(by=staff_of(6), organizer=station(5).branch, **_fields())


def test_a_county_plans_for_a_branch_of_its_own_not_of_another(clock: Any, demo: Any) -> None:
    branch = demo("620821001").children.order_by("code").first()
    made = actions.plan_activity(
        by=demo("user:jingchuan"),
        organizer=branch,
        **_fields(kind=ActivityKind.BRANCH_MEETING, audience=Audience.BRANCH),
    )
    assert made.organizer == branch
    with pytest.raises(ScopeError):
        actions.plan_activity(by=demo("user:lingtai"), organizer=branch, **_fields())


def test_a_county_committee_is_no_organizer_and_a_village_branch_no_station(
    clock: Any, demo: Any
) -> None:
    with pytest.raises(DomainError) as refused:
        actions.plan_activity(by=demo("user:jingchuan"), organizer=demo("620821"), **_fields())
    assert refused.value.code == "invalid_organizer"
    branch = demo("620821001").children.order_by("code").first()
    with pytest.raises(DomainError) as refused:
        actions.plan_activity(
            by=demo("user:jingchuan"), organizer=branch, **_fields(audience=Audience.STATION)
        )
    assert refused.value.code == "not_a_station"


def test_a_member_cannot_plan(clock: Any, demo: Any) -> None:
    user, _member = attached_member(demo)
    with pytest.raises(PermissionDenied):
        actions.plan_activity(by=user, organizer=station(5).branch, **_fields())


def test_edit_before_the_start_and_not_after(clock: Any) -> None:
    activity = planned(5, starts_in=60)
    changed = actions.edit_activity(by=staff_of(5), activity=activity, title="新标题", capacity=5)
    assert (changed.title, changed.capacity) == ("新标题", 5)
    assert AuditEvent.objects.filter(verb="activity.edit", object_id=str(activity.pk)).exists()
    clock(at(61))
    with pytest.raises(DomainError) as refused:
        actions.edit_activity(by=staff_of(5), activity=activity, title="晚了")
    assert refused.value.code == "already_started"
    activity.refresh_from_db()
    assert activity.title == "新标题"


def test_edit_refused_to_staff_of_another_station(clock: Any) -> None:
    activity = planned(5)
    with pytest.raises(ScopeError):
        actions.edit_activity(by=staff_of(6), activity=activity, title="别人的")


def test_capacity_cannot_go_below_the_sign_ups(clock: Any, demo: Any) -> None:
    activity = planned(5, capacity=5)
    for _ in range(2):
        user, _member = attached_member(demo)
        actions.sign_up(by=user, activity=activity)
    with pytest.raises(DomainError) as refused:
        actions.edit_activity(by=staff_of(5), activity=activity, capacity=1)
    assert refused.value.code == "capacity_below_sign_ups"
    assert actions.edit_activity(by=staff_of(5), activity=activity, capacity=2).capacity == 2


def test_cancel_needs_a_reason_and_happens_once(clock: Any) -> None:
    activity = planned(5)
    with pytest.raises(DomainError) as refused:
        actions.cancel_activity(by=staff_of(5), activity=activity, reason=" ")
    assert refused.value.code == "reason_required"
    done = actions.cancel_activity(by=staff_of(5), activity=activity, reason="场地维修")
    assert (done.status, done.cancel_reason) == (ActivityStatus.CANCELLED, "场地维修")
    with pytest.raises(DomainError) as refused:
        actions.cancel_activity(by=staff_of(5), activity=activity, reason="再次")
    assert refused.value.code == "not_planned"
    with pytest.raises(DomainError) as refused:
        actions.edit_activity(by=staff_of(5), activity=activity, title="改")
    assert refused.value.code == "not_planned"


def test_cancel_refused_after_the_end_and_to_another_station(clock: Any) -> None:
    activity = planned(5, starts_in=30)
    with pytest.raises(ScopeError):
        actions.cancel_activity(by=staff_of(6), activity=activity, reason="x")
    clock(at(30 + 121))
    with pytest.raises(DomainError) as refused:
        actions.cancel_activity(by=staff_of(5), activity=activity, reason="太晚")
    assert refused.value.code == "already_ended"


def test_summary_after_the_end_makes_it_held(clock: Any) -> None:
    activity = planned(5, starts_in=30)
    with pytest.raises(DomainError) as refused:
        actions.record_summary(by=staff_of(5), activity=activity, summary="好")
    assert refused.value.code == "not_ended"
    clock(at(30 + 120))
    with pytest.raises(DomainError) as refused:
        actions.record_summary(by=staff_of(5), activity=activity, summary="")
    assert refused.value.code == "summary_required"
    with pytest.raises(ScopeError):
        actions.record_summary(by=staff_of(6), activity=activity, summary="别人的")
    held = actions.record_summary(by=staff_of(5), activity=activity, summary="学习了。")
    assert (held.status, held.summary) == (ActivityStatus.HELD, "学习了。")
    revised = actions.record_summary(by=staff_of(5), activity=activity, summary="修订。")
    assert revised.summary == "修订。"


def test_no_summary_for_a_cancelled_activity(clock: Any) -> None:
    activity = planned(5, starts_in=30)
    actions.cancel_activity(by=staff_of(5), activity=activity, reason="下雨")
    clock(at(200))
    with pytest.raises(DomainError) as refused:
        actions.record_summary(by=staff_of(5), activity=activity, summary="x")
    assert refused.value.code == "cancelled"


def test_an_activity_held_earlier_is_entered_only_when_over(clock: Any) -> None:
    with pytest.raises(DomainError) as refused:
        actions.record_held_activity(by=staff_of(5), organizer=station(5).branch, **_fields())
    assert refused.value.code == "not_ended"
    made = actions.record_held_activity(
        by=staff_of(5),
        organizer=station(5).branch,
        summary="补录",
        **_fields(starts_at=at(hours=-30), ends_at=at(hours=-28)),
    )
    assert made.status == ActivityStatus.HELD
