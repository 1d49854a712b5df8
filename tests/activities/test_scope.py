"""Who sees activities, sign-ups and attendance: the organizer's side, the member's home
side (attendance, for the yearly appraisal), the member; another county nothing, on pages
and the API, and may change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from liudong.activities import actions
from liudong.activities.models import Activity, Attendance, SignUp
from liudong.core.scope import CHANGE, may, restrict, visible_to
from tests.activities.helpers import at, attached_member, planned, staff_of

pytestmark = pytest.mark.django_db


def _client(demo: Any, username: str) -> Client:
    client = Client()
    client.force_login(demo(f"user:{username}"))
    return client


@pytest.fixture
def held(clock: Any, demo: Any) -> dict[str, Any]:
    """An activity of station05 (泾川's) with a sign-up and an attendance."""
    user, member = attached_member(demo)
    activity = planned(5, starts_in=60)
    sign_up = actions.sign_up(by=user, activity=activity)
    clock(at(60))
    attendance = actions.record_by_scan(by=user, activity=activity)
    return {"activity": activity, "sign_up": sign_up, "attendance": attendance, "member": member}


def test_another_county_sees_and_changes_no_activity_sign_up_or_attendance(
    held: dict[str, Any], demo: Any
) -> None:
    lingtai = demo("user:lingtai")
    for model, obj in (
        (Activity, held["activity"]),
        (SignUp, held["sign_up"]),
        (Attendance, held["attendance"]),
    ):
        assert not visible_to(lingtai, model.objects.filter(pk=obj.pk)).exists(), model
        assert not restrict(lingtai, model.objects.filter(pk=obj.pk), CHANGE).exists(), model
        assert not may(lingtai, obj, CHANGE)
    jingchuan = demo("user:jingchuan")
    assert may(jingchuan, held["activity"], CHANGE)
    assert visible_to(jingchuan, Attendance.objects.filter(pk=held["attendance"].pk)).exists()


def test_another_county_gets_not_found_on_pages_and_api(held: dict[str, Any], demo: Any) -> None:
    client = _client(demo, "lingtai")
    pk = held["activity"].pk
    for name in ("detail", "edit", "cancel", "poster"):
        assert client.get(reverse(f"activities:{name}", args=[pk])).status_code == 404, name
    for name in ("cancel", "summary", "mark"):
        assert client.post(reverse(f"activities:{name}", args=[pk]), {}).status_code == 404
    assert client.post(reverse("activities:hours", args=[held["attendance"].pk])).status_code == 404
    page = client.get(reverse("activities:list"))
    assert f'data-activity="{pk}"' not in page.content.decode()
    listed = client.get("/api/v1/activities/?page_size=500").json()
    assert pk not in {row["id"] for row in listed["results"]}
    assert client.get(f"/api/v1/activities/{pk}/").status_code == 404
    response = client.post(f"/api/v1/activities/{pk}/cancel/", {"reason": "x"})
    assert response.status_code == 404
    rows = client.get("/api/v1/activity-attendance/?page_size=500").json()["results"]
    assert held["attendance"].pk not in {row["id"] for row in rows}
    Activity.objects.get(pk=pk)  # still there, unchanged
    assert Activity.objects.get(pk=pk).status == "planned"


def test_staff_of_another_station_get_not_found(held: dict[str, Any], demo: Any) -> None:
    client = _client(demo, "station06")
    pk = held["activity"].pk
    assert client.get(reverse("activities:detail", args=[pk])).status_code == 404
    assert client.post(reverse("activities:cancel", args=[pk]), {"reason": "x"}).status_code == 404
    assert client.get(f"/api/v1/activities/{pk}/").status_code == 404


def test_the_home_side_sees_attendance_at_a_city_station(clock: Any, demo: Any) -> None:
    """A 泾川 member at the city's station in 兰州: 泾川 does not run the activity but sees
    the member's attendance on the member's page (the yearly appraisal); 灵台 sees nothing."""
    user, member = attached_member(demo, 1, county="620821")
    activity = planned(1, starts_in=10)
    actions.record_by_scan(by=user, activity=activity)
    attendance = Attendance.objects.get(activity=activity, member=member)
    jingchuan = demo("user:jingchuan")
    assert not visible_to(jingchuan, Activity.objects.filter(pk=activity.pk)).exists()
    assert visible_to(jingchuan, Attendance.objects.filter(pk=attendance.pk)).exists()
    assert not may(jingchuan, attendance, CHANGE)
    page = _client(demo, "jingchuan").get(reverse("members:member_detail", args=[member.pk]))
    text = page.content.decode()
    assert 'data-panel="activities"' in text
    assert f'data-attendance="{attendance.pk}"' in text
    assert activity.title in text
    api = _client(demo, "jingchuan").get(f"/api/v1/activity-attendance/?member={member.pk}")
    assert [row["id"] for row in api.json()["results"]] == [attendance.pk]
    assert (
        _client(demo, "lingtai").get(reverse("members:member_detail", args=[member.pk])).status_code
        == 404
    )


def test_a_member_sees_their_own_attendance_only(held: dict[str, Any], demo: Any) -> None:
    user, _member = attached_member(demo)
    assert not visible_to(user, Attendance.objects.filter(pk=held["attendance"].pk)).exists()
    owner = held["member"].user
    assert visible_to(owner, Attendance.objects.filter(pk=held["attendance"].pk)).exists()
    assert staff_of(5) != owner
