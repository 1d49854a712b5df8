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


def test_past_demo_activities_have_one_to_three_small_photos(demo: Any) -> None:
    """Drawn once from a few made-up pictures, deterministic, kept privately; only past
    activities have them."""
    from collections import Counter

    from liudong.activities.models import ActivityPhoto
    from liudong.core import uploads

    per_activity = Counter(ActivityPhoto.objects.values_list("activity_id", flat=True))
    assert per_activity and set(per_activity.values()) <= {1, 2, 3}
    held = Activity.objects.filter(status=ActivityStatus.HELD).exclude(summary="")
    assert set(per_activity) <= set(held.values_list("id", flat=True))
    assert held.filter(photos__isnull=True).count() == 0
    photo = ActivityPhoto.objects.order_by("id").first()
    assert photo.content_type == "image/jpeg" and photo.size < 40_000
    assert uploads.path_of(photo.thumb_as).exists()
    pictures = set(ActivityPhoto.objects.values_list("sha256", flat=True))
    assert len(pictures) <= 4  # the same few pictures, reused
