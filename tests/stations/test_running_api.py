"""Running a station through the API (/api/v1/stations/) and the pages."""

from __future__ import annotations

from typing import Any

from liudong.members.models import Handoff
from liudong.stations.models import Station, StationStatus
from tests.stations.helpers import member_with_account

BODY: dict[str, Any] = {
    "code": "620821-ST80",
    "name": "泾川县驻西安流动党员服务点",
    "kind": "liaison",
    "organization": "620821",
    "place": "610113",
    "host_kind": "enterprise",
    "host_name": "西安泾川商会",
    "address": "西安市雁塔区小寨东路2号",
    "lng": 108.95,
    "lat": 34.22,
    "services": ["check_in", "policy"],
    "opening_hours": "周一至周五",
    "contact_phone": "029-1234567",
}


def post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def test_api_opens_edits_relocates_suspends_reopens_and_closes(login, demo):
    client = login("jingchuan")
    created = post(client, "/api/v1/stations/", BODY)
    assert created.status_code == 201, created.content
    station = created.json()
    assert station["branch_code"] == "620821-ST80-BR"
    assert len(station["locations"]) == 1
    url = f"/api/v1/stations/{station['id']}/"
    changed = client.patch(url, {"name": "新名"}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["name"] == "新名"
    moved = post(
        client,
        url + "relocate/",
        {
            "place": "610104",
            "address": "莲湖区新址",
            "lng": 108.9,
            "lat": 34.27,
            "on": "2099-01-01",
        },
    )
    assert moved.status_code == 400 and moved.json()["code"] == "date_in_future"
    assert post(client, url + "suspend/", {"reason": "装修"}).json()["status"] == "suspended"
    assert post(client, url + "reopen/", {}).json()["status"] == "open"
    _user, _member, flow = member_with_account(demo)
    from liudong.core.scope import SYSTEM
    from liudong.members import actions as ledger

    branch = Station.objects.get(pk=station["id"]).branch
    ledger.check_in(by=SYSTEM, flow=flow, inflow_organization=branch)
    closed = post(client, url + "close/", {"reason": "撤并"})
    assert closed.status_code == 200, closed.content
    assert closed.json()["handoffs"] == 1
    assert closed.json()["station"]["status"] == "closed"
    assert Handoff.objects.filter(flow=flow, from_organization=branch).count() == 1
    again = post(client, url + "close/", {"reason": "撤并"})
    assert again.status_code == 400 and again.json()["code"] == "already_closed"
    reopened = post(client, url + "reopen/", {})
    assert reopened.status_code == 400 and reopened.json()["code"] == "transition_not_allowed"


def test_api_bad_input_answers_with_a_clear_code(login):
    client = login("jingchuan")
    for change, code in [
        ({"lng": 500}, None),
        ({"place": "610100"}, "place_not_county"),
        ({"place": "999999"}, "place_not_found"),
        ({"services": ["massage"]}, "code_unknown"),
        ({"organization": "620822"}, "org_not_found"),
    ]:
        response = post(client, "/api/v1/stations/", BODY | {"code": "620821-ST81"} | change)
        assert response.status_code in (400, 404), (change, response.status_code)
        if code:
            assert response.json()["code"] == code, (change, response.content)
    assert not Station.objects.filter(code="620821-ST81").exists()


def test_api_another_county_cannot_change_nor_close(login):
    station = Station.objects.get(code="620800-ST05")
    client = login("lingtai")
    url = f"/api/v1/stations/{station.pk}/"
    assert client.patch(url, {"name": "x"}, content_type="application/json").status_code == 404
    assert post(client, url + "close/", {"reason": "x"}).status_code == 404
    staff = login("station05")
    assert post(staff, url + "close/", {"reason": "x"}).status_code == 403
    hours = staff.patch(url, {"opening_hours": "全天"}, content_type="application/json")
    assert hours.status_code == 200 and hours.json()["opening_hours"] == "全天"
    assert staff.patch(url, {"name": "x"}, content_type="application/json").status_code == 403
    assert Station.objects.get(pk=station.pk).status == StationStatus.OPEN


def test_api_opens_the_planned_station_and_assigns_staff(login):
    station = Station.objects.get(code="620800-ST13")
    client = login("city")
    url = f"/api/v1/stations/{station.pk}/"
    opened = post(client, url + "open-planned/", {})
    assert opened.status_code == 200, opened.content
    assert opened.json()["status"] == "open" and opened.json()["branch_code"]
    staff = post(client, url + "staff/", {"username": "st13_li", "display_name": "李"})
    assert staff.status_code == 201, staff.content
    assert staff.json()["role"] == "station_staff"


def test_schema_documents_the_station_writes(login):
    schema = login("city").get("/api/schema/?format=json")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("relocate", "suspend", "reopen", "close", "open-planned"):
        assert f"/api/v1/stations/{{id}}/{path}/" in text


# --- pages ----------------------------------------------------------------------------------


def test_city_opens_a_station_through_the_page(login):
    client = login("city")
    listing = client.get("/stations/")
    assert b'data-action="open-station"' in listing.content
    page = client.get("/stations/new/")
    assert page.status_code == 200
    form = {k: v for k, v in BODY.items() if k not in ("organization", "services")}
    form |= {
        "code": "620821-ST82",
        "organization": Station.objects.get(code="620800-ST05").organization_id,
    }
    form["services"] = ["check_in", "policy"]
    response = client.post("/stations/new/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    station = Station.objects.get(code="620821-ST82")
    assert response["Location"] == f"/stations/{station.pk}/"
    detail = client.get(response["Location"])
    assert b'data-action="close"' in detail.content and b'id="locations"' in detail.content


def test_page_shows_refusal_under_the_field(login):
    client = login("city")
    form = {k: v for k, v in BODY.items() if k not in ("organization", "services")}
    form |= {"code": "620821-ST83", "place": "610100"}
    form["organization"] = Station.objects.get(code="620800-ST05").organization_id
    response = client.post("/stations/new/", form)
    assert response.status_code == 200
    assert response.context["form"].errors["place"]
    assert not Station.objects.filter(code="620821-ST83").exists()


def test_pages_refuse_who_may_not(login):
    station = Station.objects.get(code="620800-ST05")
    staff = login("station05")
    assert b'data-action="open-station"' not in staff.get("/stations/").content
    assert staff.get("/stations/new/").status_code == 403
    assert staff.get(f"/stations/{station.pk}/close/").status_code == 403
    assert staff.get(f"/stations/{station.pk}/edit/").status_code == 200  # hours, phone
    assert login("lingtai").get(f"/stations/{station.pk}/edit/").status_code == 404


def test_close_page_says_what_blocks_it(login, demo):
    from liudong.stations import actions

    station = Station.objects.get(code="620800-ST05")
    user, _member, _flow = member_with_account(demo)
    actions.request_check_in(by=user, station=station)
    client = login("jingchuan")
    page = client.get(f"/stations/{station.pk}/close/")
    assert b"data-blocking" in page.content
    response = client.post(f"/stations/{station.pk}/close/", {"reason": "撤并"})
    assert response.status_code == 200
    assert Station.objects.get(pk=station.pk).status == StationStatus.OPEN


def test_the_planned_station_opens_from_its_page(login):
    station = Station.objects.get(code="620800-ST13")
    client = login("city")
    detail = client.get(f"/stations/{station.pk}/")
    assert b'data-action="open-planned"' in detail.content
    assert client.get(f"/stations/{station.pk}/open/").status_code == 200
    response = client.post(f"/stations/{station.pk}/open/", {})
    assert response.status_code == 302
    station.refresh_from_db()
    assert station.status == StationStatus.OPEN and station.branch_id is not None


def test_relocate_and_suspend_pages(login):
    station = Station.objects.get(code="620800-ST05")
    client = login("jingchuan")
    moved = client.post(
        f"/stations/{station.pk}/relocate/",
        {"place": "610104", "address": "莲湖区新址 1 号", "lng": "108.93", "lat": "34.27"},
    )
    assert moved.status_code == 302
    detail = client.get(f"/stations/{station.pk}/").content.decode()
    assert "莲湖区新址 1 号" in detail
    assert station.locations.count() == 2
    refused = client.post(f"/stations/{station.pk}/suspend/", {"reason": ""})
    assert refused.status_code == 200 and refused.context["form"].errors["reason"]
    done = client.post(f"/stations/{station.pk}/suspend/", {"reason": "装修"})
    assert done.status_code == 302
    station.refresh_from_db()
    assert station.status == StationStatus.SUSPENDED


def test_a_member_scanning_a_suspended_station_is_told_so_and_cannot_check_in(demo):
    from django.test import Client

    from liudong.stations import actions

    station = Station.objects.get(code="620800-ST05")
    actions.suspend_station(by=demo("user:jingchuan"), station=station, reason="装修")
    user, _member, _flow = member_with_account(demo)
    client = Client()
    client.force_login(user)
    page = client.get(f"/s/{station.qr_token}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "本站点暂停服务" in page.content.decode()
    client.post(f"/s/{station.qr_token}/", {"method": "qr"})
    assert not station.check_ins.filter(member__user=user).exists()
