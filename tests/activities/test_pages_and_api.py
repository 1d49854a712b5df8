"""The member's phone pages, the staff pages and the API over the same actions; refusals
as messages in the user's language (never a 500), the bell and the audit phrases."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from liudong.activities.models import Activity, ActivityStatus, Attendance, SignUp
from liudong.core.attention import items_for
from liudong.core.events import phrase_for
from tests.activities.helpers import at, attached_member, planned, staff_of
from tests.stations.helpers import station

pytestmark = pytest.mark.django_db


def _as(user: Any, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_member_signs_up_and_scans_on_the_phone(clock: Any, demo: Any) -> None:
    user, member = attached_member(demo)
    activity = planned(5, starts_in=60, capacity=10)
    phone = _as(user)
    coming = phone.get(reverse("activity_member:coming"))
    assert coming.status_code == 200
    assert f'data-activity="{activity.pk}"' in coming.content.decode()
    page = phone.get(reverse("activity_member:detail", args=[activity.pk]))
    assert 'id="sign-up-button"' in page.content.decode()
    done = phone.post(reverse("activity_member:sign_up", args=[activity.pk]), follow=True)
    assert "报名成功" in done.content.decode() or "已报名" in done.content.decode()
    assert SignUp.objects.filter(activity=activity, member=member).count() == 1
    again = phone.post(reverse("activity_member:sign_up", args=[activity.pk]), follow=True)
    assert again.status_code == 200
    assert SignUp.objects.filter(activity=activity, member=member).count() == 1
    scan_url = reverse("activity_member:scan", args=[activity.qr_token])
    early = phone.get(scan_url)
    assert 'id="outside-window"' in early.content.decode()
    refused = phone.post(scan_url)
    assert refused.status_code == 400
    assert "签到" in refused.content.decode()
    assert not Attendance.objects.filter(activity=activity).exists()
    clock(at(45))
    recorded = phone.post(scan_url)
    assert recorded.status_code == 200
    assert 'id="recorded"' in recorded.content.decode()
    twice = phone.post(scan_url)
    assert twice.status_code == 400
    assert Attendance.objects.filter(activity=activity, member=member).count() == 1


def test_phone_pages_for_unknown_codes_staff_and_strangers(clock: Any, demo: Any) -> None:
    activity = planned(5)
    assert Client().get(reverse("activity_member:scan", args=["nope"])).status_code == 404
    anonymous = Client().get(reverse("activity_member:scan", args=[activity.qr_token]))
    assert anonymous.status_code == 302 and "phone" in anonymous["Location"]
    assert _as(staff_of(5)).get(reverse("activity_member:coming")).status_code == 403
    stranger, _m = attached_member(demo, 6, county="620822")
    phone = _as(stranger)
    assert phone.get(reverse("activity_member:detail", args=[activity.pk])).status_code == 404
    assert phone.post(reverse("activity_member:sign_up", args=[activity.pk])).status_code == 404


def test_staff_plan_change_mark_and_summarise_on_the_pages(clock: Any, demo: Any) -> None:
    _user, member = attached_member(demo)
    client = _as(staff_of(5))
    assert client.get(reverse("activities:plan")).status_code == 200
    bad = client.post(
        reverse("activities:plan"),
        {
            "organizer": station(5).branch_id,
            "kind": "volunteer_service",
            "title": "志愿服务",
            "starts_at": "2026-03-01T09:00",
            "ends_at": "2026-03-01T11:00",
            "place": "社区",
            "audience": "station",
        },
    )
    assert bad.status_code == 400
    assert "请安排" in bad.content.decode() or "later" in bad.content.decode()
    made = client.post(
        reverse("activities:plan"),
        {
            "organizer": station(5).branch_id,
            "kind": "volunteer_service",
            "title": "志愿服务",
            "starts_at": "2026-03-02T10:00",
            "ends_at": "2026-03-02T12:00",
            "place": "社区",
            "audience": "station",
        },
    )
    activity = Activity.objects.get(title="志愿服务", organizer=station(5).branch)
    assert made.status_code == 302
    assert activity.starts_at == at(60)  # entered in Beijing time
    detail = client.get(reverse("activities:detail", args=[activity.pk]))
    assert detail.status_code == 200 and "<svg" in detail.content.decode()
    assert client.get(reverse("activities:poster", args=[activity.pk])).status_code == 200
    edited = client.post(
        reverse("activities:edit", args=[activity.pk]),
        {
            "kind": "volunteer_service",
            "title": "社区志愿服务",
            "starts_at": "2026-03-02T10:00",
            "ends_at": "2026-03-02T12:00",
            "place": "社区",
            "audience": "station",
        },
    )
    assert edited.status_code == 302
    clock(at(130))
    client.post(
        reverse("activities:mark", args=[activity.pk]),
        {"member": member.pk, "volunteer_hours": "2"},
    )
    row = Attendance.objects.get(activity=activity, member=member)
    assert str(row.volunteer_hours) == "2.0"
    client.post(reverse("activities:hours", args=[row.pk]), {"hours": "abc"})
    row.refresh_from_db()
    assert str(row.volunteer_hours) == "2.0"
    clock(at(200))
    before = _bell(staff_of(5))
    assert before >= 1  # the bell: this activity's summary awaits
    client.post(reverse("activities:summary", args=[activity.pk]), {"summary": "清扫楼道。"})
    activity.refresh_from_db()
    assert (activity.status, activity.title) == (ActivityStatus.HELD, "社区志愿服务")
    assert _bell(staff_of(5)) == before - 1


def _bell(user: Any) -> int:
    counts = {item["key"]: item["count"] for item in items_for(user)}
    return counts.get("activity_summaries", 0)


def test_cancel_page_refuses_without_reason(clock: Any, demo: Any) -> None:
    activity = planned(5)
    client = _as(staff_of(5))
    assert client.post(reverse("activities:cancel", args=[activity.pk]), {}).status_code == 200
    client.post(reverse("activities:cancel", args=[activity.pk]), {"reason": "场地"})
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CANCELLED


def test_api_plan_sign_up_attend_and_mark(clock: Any, demo: Any) -> None:
    user, member = attached_member(demo)
    staff = _as(staff_of(5))
    body = {
        "organizer": station(5).branch.code,
        "kind": "discussion",
        "title": "座谈",
        "starts_at": at(60).isoformat(),
        "ends_at": at(180).isoformat(),
        "place": "活动室",
        "capacity": 1,
        "audience": "station",
    }
    created = staff.post("/api/v1/activities/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["qr_token"]
    refused = staff.post(
        "/api/v1/activities/", body | {"organizer": "620822"}, content_type="application/json"
    )
    assert refused.status_code == 404 and refused.json()["code"] == "organizer_not_found"
    phone = _as(user)
    listed = phone.get("/api/v1/activities/").json()["results"]
    assert pk in {row["id"] for row in listed}
    assert "qr_token" not in listed[0]
    assert phone.post(f"/api/v1/activities/{pk}/sign-up/").status_code == 201
    twice = phone.post(f"/api/v1/activities/{pk}/sign-up/")
    assert twice.status_code == 400 and twice.json()["code"] == "already_signed_up"
    other, _m = attached_member(demo)
    full = _as(other).post(f"/api/v1/activities/{pk}/sign-up/")
    assert full.status_code == 400 and full.json()["code"] == "full"
    token = Activity.objects.get(pk=pk).qr_token
    early = phone.post("/api/v1/activities/attend/", {"qr_token": token})
    assert early.status_code == 400 and early.json()["code"] == "too_early"
    clock(at(60))
    assert phone.post("/api/v1/activities/attend/", {"qr_token": token}).status_code == 201
    again = phone.post("/api/v1/activities/attend/", {"qr_token": token})
    assert again.status_code == 400 and again.json()["code"] == "already_attended"
    marked = staff.post(f"/api/v1/activities/{pk}/attendance/", {"member": _m.pk})
    assert marked.status_code == 201
    rows = staff.get(f"/api/v1/activities/{pk}/attendance/").json()
    assert {row["member"] for row in rows} == {member.pk, _m.pk}
    bad = staff.patch(
        f"/api/v1/activities/{pk}/", {"capacity": "many"}, content_type="application/json"
    )
    assert bad.status_code == 400


def test_every_verb_has_a_phrase() -> None:
    for verb in (
        "activity.plan",
        "activity.record_held",
        "activity.edit",
        "activity.cancel",
        "activity.summary",
        "activity.sign_up",
        "activity.withdraw",
        "activity.attend",
        "activity.mark_attendance",
        "activity.volunteer_hours",
    ):
        with translation.override("zh-hans"):
            assert phrase_for(verb, "update") is not None, verb


def test_the_members_home_page_lists_coming_activities(clock: Any, demo: Any) -> None:
    user, _member = attached_member(demo)
    activity = planned(5)
    page = _as(user).get(reverse("core:home"))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="my-activities"' in text
    assert reverse("activity_member:detail", args=[activity.pk]) in text


def test_the_station_workbench_shows_the_weeks_activities(clock: Any, demo: Any) -> None:
    activity = planned(5, starts_in=60)
    later = planned(5, starts_in=10 * 24 * 60)
    text = _as(staff_of(5)).get(reverse("core:home")).content.decode()
    assert 'data-figure="workbench_activities"' in text
    assert f'data-activity="{activity.pk}"' in text
    assert f'data-activity="{later.pk}"' not in text  # beyond the week
    other = _as(staff_of(6)).get(reverse("core:home")).content.decode()
    assert f'data-activity="{activity.pk}"' not in other
