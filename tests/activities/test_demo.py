"""The demo's activities: past ones with attendance and a summary, one awaiting its summary,
coming ones with sign-ups, at the stations of both demo counties; the branch meeting open
to member_jc."""

from __future__ import annotations

from typing import Any

from liudong.activities import queries
from liudong.activities.models import Activity, ActivityStatus, Attendance, SignUp
from liudong.demo.activities import build_activities
from liudong.members.models import Member


def test_the_demo_has_activities_at_both_counties_stations(demo: Any) -> None:
    for code in ("620800-LD05", "620800-LD06"):  # 泾川's 雁塔, 灵台's 未央
        mine = Activity.objects.filter(organizer__code=code)
        held = mine.filter(status=ActivityStatus.HELD).exclude(summary="")
        assert held.exists(), code
        assert Attendance.objects.filter(activity__in=held).exists(), code
        assert SignUp.objects.filter(activity__in=mine, activity__status="planned").exists()
    assert Activity.objects.filter(status=ActivityStatus.CANCELLED).exists()
    assert Attendance.objects.filter(volunteer_hours__gt=0).exists()
    assert queries.awaiting_summary(demo("user:station05")).exists()


def test_a_county_station_shows_only_its_own_countys_members(demo: Any) -> None:
    for code, county in (("620800-LD05", "620821"), ("620800-LD06", "620822")):
        path = demo(county).path
        rows = Attendance.objects.filter(activity__organizer__code=code)
        assert rows.exists()
        assert not rows.exclude(member__home_organization__path__startswith=path).exists()


def test_member_jc_finds_the_branch_meeting_and_a_second_run_adds_nothing(demo: Any) -> None:
    member = Member.objects.get(user=demo("user:member_jc"))
    coming = queries.coming_for_member(member)
    assert any(a.kind == "branch_meeting" for a in coming)
    before = Activity.objects.count()
    assert build_activities() == {}
    assert Activity.objects.count() == before
