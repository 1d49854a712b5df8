"""The pages (staff and phone) and the API run the same actions; refusals are clear
messages, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from liudong.assistance import actions
from liudong.assistance.models import ServiceRequest
from liudong.members.panels import panels_for

pytestmark = pytest.mark.django_db


def test_the_staff_list_orders_open_requests_by_deadline(login: Any, make_request: Any) -> None:
    make_request(kind="policy", text="第一件")
    make_request(kind="legal_aid", text="第二件")
    response = login("station05").get("/requests/")
    assert response.status_code == 200
    rows = response.context["open_rows"]
    assert rows and all(r.station.code == "620800-ST05" for r in rows)
    dues = [r.due for r in rows]
    assert dues == sorted(dues)
    assert response.context["escalated"] == [r for r in rows if r.escalated]


def test_members_do_not_open_the_staff_pages(login: Any, asker: Any, make_request: Any) -> None:
    request = make_request()
    client = login(asker[0].username)
    assert client.get("/requests/").status_code == 404
    assert client.get(f"/requests/{request.pk}/").status_code == 404


def test_the_detail_page_walks_the_workflow(login: Any, make_request: Any, staff: Any) -> None:
    request = make_request(kind="legal_aid", text="工伤认定")
    client = login("station05")
    page = client.get(f"/requests/{request.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and f"/requests/{request.pk}/accept/" in html
    assert "工伤认定" in html
    assert (
        client.post(f"/requests/{request.pk}/accept/", {"assigned_to": staff.pk}).status_code == 302
    )
    assert client.post(f"/requests/{request.pk}/note/", {"text": "已联系"}).status_code == 302
    assert (
        client.post(
            f"/requests/{request.pk}/refer/", {"referral_partner": "雁塔区法律援助中心", "note": ""}
        ).status_code
        == 302
    )
    # An empty outcome: the form says so, nothing changes.
    refused = client.post(f"/requests/{request.pk}/resolve/", {"outcome": ""})
    assert refused.status_code == 400
    assert (
        client.post(f"/requests/{request.pk}/resolve/", {"outcome": "已受理援助"}).status_code
        == 302
    )
    request.refresh_from_db()
    assert request.status == "resolved" and request.referral_partner == "雁塔区法律援助中心"
    # A step out of order on a page: the refusal in the user's language, no 500.
    again = client.post(
        f"/requests/{request.pk}/accept/", {"assigned_to": staff.pk}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert again.status_code == 400
    assert "当前不能进行此操作" in again.content.decode()


def test_staff_open_a_request_for_a_member(login: Any, asker: Any, st05: Any) -> None:
    client = login("station05")
    assert client.get("/requests/new/").status_code == 404  # no member chosen
    # The member is not checked in at ST05: the station side does not see them.
    assert client.get(f"/requests/new/?member={asker[1].pk}").status_code == 404
    county = login("jingchuan")
    from liudong.members.models import FlowRecord

    flow = FlowRecord.objects.filter(is_open=True, inflow_organization=st05.branch).first()
    page = client.get(f"/requests/new/?member={flow.member_id}")
    assert page.status_code == 200
    made = client.post(
        "/requests/new/",
        {
            "member": flow.member_id,
            "station": st05.pk,
            "kind": "employment",
            "description": "想找电工的工作",
        },
    )
    assert made.status_code == 302, made.content[:400]
    created = ServiceRequest.objects.get(
        member=flow.member_id,
        description__isnull=False,
        kind="employment",
        submitted_by__username="station05",
    )
    assert created.station == st05
    assert county.get(f"/requests/{created.pk}/").status_code == 200


def test_a_member_asks_sees_and_rates_from_the_phone(
    login: Any, asker: Any, st05: Any, staff: Any
) -> None:
    phone = login(asker[0].username)
    assert phone.get("/m/requests/").status_code == 200
    assert phone.get("/m/requests/new/").status_code == 200
    not_offered = phone.post(
        "/m/requests/new/",
        {"station": _pk("620800-ST09"), "kind": "hardship", "description": "困难"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert not_offered.status_code == 400
    assert "不提供" in not_offered.content.decode()
    sent = phone.post(
        "/m/requests/new/",
        {"station": st05.pk, "kind": "legal_aid", "description": "工伤", "share_with_home": "on"},
    )
    assert sent.status_code == 302
    request = ServiceRequest.objects.get(member=asker[1])
    assert request.share_with_home
    assert phone.get(f"/m/requests/{request.pk}/").status_code == 200
    early = phone.post(
        f"/m/requests/{request.pk}/rate/", {"rating": 5}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert early.status_code == 400
    assert "办结后才能评价" in early.content.decode()
    actions.accept_request(by=staff, request=request)
    actions.resolve_request(by=staff, request=request, outcome="已办结")
    assert phone.post(f"/m/requests/{request.pk}/rate/", {"rating": 4}).status_code == 302
    twice = phone.post(f"/m/requests/{request.pk}/rate/", {"rating": 5})
    assert twice.status_code == 400
    request.refresh_from_db()
    assert request.rating == 4


def _pk(code: str) -> int:
    from liudong.stations.models import Station

    return Station.objects.get(code=code).pk


def test_staff_are_sent_away_from_the_phone_pages(login: Any) -> None:
    assert login("station05").get("/m/requests/").status_code == 403


def test_the_member_page_shows_the_requests_panel(demo: Any, make_request: Any, asker: Any) -> None:
    request = make_request(kind="hardship", text="秘密")
    for who in ("station05", "lingtai"):
        panels = {p["key"]: p for p in panels_for(demo(f"user:{who}"), asker[1])}
        assert [r.pk for r in panels["service_requests"]["context"]["requests"]] == [request.pk]
    panels = {p["key"]: p for p in panels_for(demo("user:jingning"), asker[1])}
    assert not panels.get("service_requests", {}).get("context", {}).get("requests")
    new_link = {p["key"]: p for p in panels_for(demo("user:station05"), asker[1])}
    assert new_link["service_requests"]["context"]["new_url"].endswith(f"?member={asker[1].pk}")
    page = pytest.importorskip("django.test").Client()
    page.force_login(demo("user:lingtai"))
    html = page.get(f"/ledger/members/{asker[1].pk}/").content.decode()
    assert f'data-request="{request.pk}"' in html and "秘密" not in html


def test_the_api_walks_the_workflow(login: Any, asker: Any, st05: Any, staff: Any) -> None:
    member = login(asker[0].username)
    created = member.post(
        "/api/v1/service-requests/",
        {"station": st05.code, "kind": "employment", "description": "找工作"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    again = member.post(
        "/api/v1/service-requests/",
        {"station": st05.code, "kind": "employment", "description": "找工作"},
        content_type="application/json",
    )
    assert again.status_code == 200 and again.json()["id"] == pk
    api = login("station05")
    base = f"/api/v1/service-requests/{pk}"
    early = api.post(f"{base}/resolve/", {"outcome": "x"}, content_type="application/json")
    assert early.status_code == 400 and early.json()["code"] == "wrong_status"
    steps = [
        ("accept", {}),
        ("note", {"text": "已联系"}),
        ("refer", {"referral_partner": "雁塔区人力资源市场"}),
        ("resolve", {"outcome": "已推荐岗位"}),
    ]
    for step, body in steps:
        answer = api.post(f"{base}/{step}/", body, content_type="application/json")
        assert answer.status_code in (200, 201), (step, answer.content)
    assert answer.json()["status"] == "resolved"
    assert answer.json()["assigned_to"]
    staff_rating = api.post(f"{base}/rate/", {"rating": 5}, content_type="application/json")
    assert staff_rating.status_code == 403
    bad = member.post(f"{base}/rate/", {"rating": 9}, content_type="application/json")
    assert bad.status_code == 400
    rated = member.post(f"{base}/rate/", {"rating": 5}, content_type="application/json")
    assert rated.status_code == 200 and rated.json()["rating"] == 5
    twice = member.post(f"{base}/rate/", {"rating": 4}, content_type="application/json")
    assert twice.status_code == 400 and twice.json()["code"] == "already_rated"
    unknown = member.post(
        "/api/v1/service-requests/",
        {"station": "nope", "kind": "policy", "description": "x"},
        content_type="application/json",
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "station_unknown"


def test_the_schema_documents_the_endpoints(login: Any) -> None:
    schema = login("city").get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/service-requests/",
        "/api/v1/service-requests/{id}/",
        "/api/v1/service-requests/{id}/accept/",
        "/api/v1/service-requests/{id}/rate/",
        "/api/v1/service-requests/{id}/attachments/",
        "/api/v1/service-requests/{id}/attachments/{file_pk}/",
    ):
        assert path in paths, path


def test_the_event_phrases_tell_the_steps(make_request: Any, staff: Any) -> None:
    from liudong.core.events import sentence
    from liudong.core.models import AuditEvent

    request = actions.accept_request(by=staff, request=make_request())
    event = AuditEvent.objects.filter(
        verb="service_request.accept", object_id=str(request.pk)
    ).get()
    with translation.override("zh-hans"):
        assert "受理了服务诉求" in str(sentence(event))
