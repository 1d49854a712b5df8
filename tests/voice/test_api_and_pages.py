"""The API's actions and the desktop pages walk the same steps; refusals come back with
their code and field; the dashboard card and the member panels."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from liudong.voice import figures
from liudong.voice.models import Suggestion

pytestmark = pytest.mark.django_db


def member_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_api_walks_a_suggestion(asker: Any, login: Any, commerce: Any, demo: Any) -> None:
    client = member_client(asker[0])
    body = {"kind": "jobs", "topic": "industry", "title": "招工线索", "text": "物流园招司机"}
    refused = client.post("/api/v1/suggestions/", {**body, "county": "620821"})
    assert refused.status_code == 400 and refused.json()["code"] == "not_home_county"
    created = client.post("/api/v1/suggestions/", body)
    assert created.status_code == 201
    pk = created.json()["id"]
    assert client.post("/api/v1/suggestions/", body).status_code == 200  # the same again
    county = login("lingtai")
    early = county.post(f"/api/v1/suggestions/{pk}/approve/")
    assert early.status_code == 400 and early.json()["code"] == "wrong_status"
    routed = county.post(f"/api/v1/suggestions/{pk}/route/", {"department": commerce.pk})
    assert routed.status_code == 200 and routed.json()["status"] == "routed"
    department = login("dept_lingtai")
    assert department.post(f"/api/v1/suggestions/{pk}/approve/").status_code == 403
    answered = department.post(f"/api/v1/suggestions/{pk}/answer/", {"answer": "已对接"})
    assert answered.status_code == 200 and answered.json()["answer"] == "已对接"
    assert client.get(f"/api/v1/suggestions/{pk}/").json()["answer"] is None
    back = county.post(f"/api/v1/suggestions/{pk}/send-back/", {"note": "请补充"})
    assert back.json()["status"] == "routed"
    department.post(f"/api/v1/suggestions/{pk}/answer/", {"answer": "已对接，下周考察"})
    assert county.post(f"/api/v1/suggestions/{pk}/approve/").json()["status"] == "published"
    assert client.get(f"/api/v1/suggestions/{pk}/").json()["answer"] == "已对接，下周考察"
    adopted = county.post(f"/api/v1/suggestions/{pk}/adopt/", {"adoption_result": "已招工"})
    assert adopted.json()["adopted"] is True
    assert (
        client.post(f"/api/v1/suggestions/{pk}/adopt/", {"adoption_result": "x"}).status_code == 403
    )


def test_the_api_publishes_notices_and_posts_openings(login: Any) -> None:
    county = login("lingtai")
    today = timezone.localdate()
    notice = {
        "publisher": "620822",
        "topic": "housing",
        "title": "公租房",
        "body": "申请须知",
        "audience": "all",
        "valid_from": str(today),
        "valid_until": str(today - datetime.timedelta(days=1)),
    }
    refused = county.post("/api/v1/notices/", notice, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "period_reversed"
    notice["valid_until"] = str(today + datetime.timedelta(days=9))
    made = county.post("/api/v1/notices/", notice, content_type="application/json")
    assert made.status_code == 201 and made.json()["readers"] == 0
    staff = login("station06")
    opening = {
        "station": "620800-ST06",
        "source": "job_centre",
        "employer": "西安市人力资源市场",
        "title": "保安",
        "place": "未央区",
        "pay_min": 3000,
        "pay_max": 3800,
        "contact": "029-1",
        "closing_date": str(today - datetime.timedelta(days=2)),
    }
    past = staff.post("/api/v1/job-openings/", opening, content_type="application/json")
    assert past.status_code == 400 and past.json()["code"] == "closing_in_past"
    opening["closing_date"] = str(today + datetime.timedelta(days=2))
    posted = staff.post("/api/v1/job-openings/", opening, content_type="application/json")
    assert posted.status_code == 201
    assert login("jingchuan").get(f"/api/v1/job-openings/{posted.json()['id']}/").status_code == 404


def test_the_desktop_steps(asker: Any, login: Any, commerce: Any, suggest: Any) -> None:
    made = suggest()
    county = login("lingtai")
    page = county.get(f"/voice/suggestions/{made.pk}/")
    assert page.status_code == 200 and made.member.name in page.content.decode()
    bad = county.post(f"/voice/suggestions/{made.pk}/route/", {"department": 999999})
    assert bad.status_code == 400
    assert (
        county.post(f"/voice/suggestions/{made.pk}/route/", {"department": commerce.pk}).status_code
        == 302
    )
    department = login("dept_lingtai")
    empty = department.post(f"/voice/suggestions/{made.pk}/answer/", {"answer": ""})
    assert empty.status_code == 400
    department.post(f"/voice/suggestions/{made.pk}/answer/", {"answer": "好的"})
    county.post(f"/voice/suggestions/{made.pk}/approve/")
    made.refresh_from_db()
    assert made.status == "published"
    assert (
        county.post(
            f"/voice/suggestions/{made.pk}/adopt/", {"adoption_result": "已落实"}
        ).status_code
        == 302
    )


def test_departments_are_kept_by_the_county(login: Any, demo: Any) -> None:
    county = login("lingtai")
    page = county.get("/voice/departments/")
    assert page.status_code == 200 and "商务局" in page.content.decode()
    added = county.post(
        "/voice/departments/",
        {"form": "department", "county": demo("620822").pk, "name": "文化和旅游局"},
    )
    assert added.status_code == 302
    twice = county.post(
        "/voice/departments/",
        {"form": "department", "county": demo("620822").pk, "name": "文化和旅游局"},
    )
    assert twice.status_code == 400
    assert login("station06").get("/voice/departments/").status_code == 404


def test_the_card_and_the_figures(login: Any, demo: Any) -> None:
    shown = figures.suggestion_figures(demo("user:city"))
    assert shown["total"] == Suggestion.objects.count() >= 60
    assert 0 < shown["share_answered"] < 1 and shown["median_days_to_answer"] > 0
    assert sum(row["count"] for row in shown["by_county"]) == shown["total"]
    assert sum(row["count"] for row in shown["by_topic"]) == shown["total"]
    lingtai = figures.suggestion_figures(demo("user:lingtai"))
    assert [row["code"] for row in lingtai["by_county"]] == ["620822"]
    page = login("city").get("/statistics/dashboard/").content.decode()
    assert 'data-figure="suggestions_total"' in page


def test_the_member_page_panels(login: Any, suggest: Any, asker: Any) -> None:
    made = suggest()
    page = login("lingtai").get(f"/ledger/members/{asker[1].pk}/").content.decode()
    assert f'data-suggestion="{made.pk}"' in page
    assert (
        f'data-suggestion="{made.pk}"'
        not in login("jingchuan").get(f"/ledger/members/{asker[1].pk}/").content.decode()
    )


def test_member_pages_open_for_members_only(asker: Any, login: Any) -> None:
    client = member_client(asker[0])
    for url in ("/m/voice/", "/m/voice/suggestions/", "/m/voice/suggestions/new/",
                "/m/voice/notices/", "/m/voice/faq/", "/m/voice/jobs/"):  # fmt: skip
        assert client.get(url).status_code == 200, url
        assert login("lingtai").get(url).status_code == 403
    posted = client.post(
        "/m/voice/suggestions/new/",
        {"kind": "suggestion", "topic": "health", "title": "卫生室", "text": "补充药品"},
    )
    assert posted.status_code == 302


def test_the_notice_and_job_pages_render_and_record(login: Any, demo: Any) -> None:
    from liudong.voice.models import JobInterest, JobOpening, Notice

    city = login("city")
    notice = Notice.objects.filter(publisher__code="620822").first()
    page = city.get(f"/voice/notices/{notice.pk}/")
    assert page.status_code == 200 and 'id="readers"' in page.content.decode()
    assert city.get("/voice/notices/new/").status_code == 200
    station = login("station06")
    assert station.get("/voice/jobs/new/").status_code == 200
    opening = JobOpening.objects.filter(station__code="620800-ST06").first()
    mark = JobInterest.objects.filter(opening=opening, outcome="").first()
    assert station.get(f"/voice/jobs/{opening.pk}/").status_code == 200
    if mark is not None:
        bad = station.post(f"/voice/jobs/interest/{mark.pk}/outcome/", {"outcome": "maybe"})
        assert bad.status_code == 400
        done = station.post(
            f"/voice/jobs/interest/{mark.pk}/outcome/",
            {"outcome": "placed", "outcome_note": "入职"},
        )
        assert done.status_code == 302
        mark.refresh_from_db()
        assert mark.outcome == "placed"
    posted = station.post(
        "/voice/jobs/new/",
        {
            "station": demo("user:station06").organization.station.pk,
            "source": "host",
            "employer": "某公司",
            "title": "司机",
            "place": "西安",
            "pay_min": 4000,
            "pay_max": 5000,
            "contact": "029-2",
            "closing_date": "2020-01-01",
        },
    )
    assert posted.status_code == 400 and "截止日期已过" in posted.content.decode()


def test_station_staff_write_down_a_meeting_suggestion_from_the_member_page(login: Any) -> None:
    from liudong.members.models import Member
    from tests.stations.helpers import station

    st06 = station(6)
    member = (
        Member.objects.filter(inflow_organization=st06.branch, home_organization__isnull=False)
        .order_by("pk")
        .first()
    )
    if member is None:
        pytest.skip("no member attached to station 06 in the test ledger")
    client = login("station06")
    page = client.get(f"/voice/suggestions/new/?member={member.pk}")
    assert page.status_code == 200
    before = Suggestion.objects.filter(member=member).count()
    posted = client.post(
        f"/voice/suggestions/new/?member={member.pk}",
        {"station": st06.pk, "kind": "project", "topic": "agriculture", "title": "冷链项目",
         "text": "座谈会上提出"},
    )  # fmt: skip
    assert posted.status_code == 302
    made = Suggestion.objects.filter(member=member).latest("pk")
    assert Suggestion.objects.filter(member=member).count() == before + 1
    assert made.station == st06 and made.submitted_by.username == "station06"


def test_the_faq_in_the_api(login: Any, asker: Any, other: Any) -> None:
    county = login("lingtai")
    entry = {"publisher": "620822", "topic": "schooling", "question": "入学要什么材料？"}
    missing = county.post("/api/v1/faq/", entry, content_type="application/json")
    assert missing.status_code == 400  # no answer
    entry["answer"] = "居住证、户口簿"
    made = county.post("/api/v1/faq/", entry, content_type="application/json")
    assert made.status_code == 201 and made.json()["publisher_name"]
    pk = made.json()["id"]
    assert county.get(f"/api/v1/faq/{pk}/").json()["answer"] == "居住证、户口簿"
    assert pk in [row["id"] for row in county.get("/api/v1/faq/?page_size=100").json()["results"]]
    # Another county neither reads nor writes it; a member may not write.
    jingchuan = login("jingchuan")
    assert jingchuan.get(f"/api/v1/faq/{pk}/").status_code == 404
    assert jingchuan.post("/api/v1/faq/", entry, content_type="application/json").status_code in {
        403,
        404,
    }
    mine = member_client(asker[0])
    assert mine.post("/api/v1/faq/", entry, content_type="application/json").status_code == 403
    # The county's member reads it; a member of another county does not.
    assert mine.get(f"/api/v1/faq/{pk}/").status_code == 200
    rows = member_client(other[0]).get("/api/v1/faq/?page_size=100").json()["results"]
    assert pk not in [row["id"] for row in rows]
