"""Station pages, the member's check-in pages, the poster, and the API (same actions)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from liudong.members.models import FlowRecord, FlowStatus
from liudong.stations import actions
from liudong.stations.models import CheckIn, CheckInStatus, StationStatus
from tests.stations.helpers import member_with_account, station


def _member_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["liudong_language"] = "en"
    return client


def test_scanning_the_qr_link_and_checking_in(demo: Any) -> None:
    user, _member, flow = member_with_account(demo)
    client = _member_client(user)
    url = f"/s/{station(5).qr_token}/"
    page = client.get(url + "?lng=108.94&lat=34.21")
    html = page.content.decode()
    assert page.status_code == 200 and "平凉市驻西安雁塔区流动党员联络站" in html
    assert "km from you" in html
    response = client.post(url, {"method": "qr"})
    assert response.status_code == 302
    check_in = CheckIn.objects.get(flow=flow)
    assert response["Location"] == f"/m/check-ins/{check_in.pk}/"
    again = client.post(url, {"method": "qr"})  # a double tap
    assert again["Location"] == response["Location"]
    assert CheckIn.objects.filter(flow=flow).count() == 1
    status = client.get(response["Location"]).content.decode()
    assert 'data-status="pending"' in status and "Awaiting confirmation" in status


def test_unknown_and_closed_station_links_say_so(demo: Any) -> None:
    user, _member, flow = member_with_account(demo)
    client = _member_client(user)
    unknown = client.get("/s/not-a-real-token/")
    assert unknown.status_code == 404 and "Unknown station" in unknown.content.decode()
    target = station(6)
    target.status = StationStatus.CLOSED
    target.save()
    page = client.get(f"/s/{target.qr_token}/")
    assert "This station is closed" in page.content.decode()
    refused = client.post(f"/s/{target.qr_token}/", {"method": "qr"})
    assert refused.status_code == 400 and "not open" in refused.content.decode()
    assert not CheckIn.objects.filter(flow=flow).exists()


def test_a_signed_out_visitor_is_sent_to_phone_sign_in(db: Any) -> None:
    from liudong.stations.models import Station

    token = Station.objects.first().qr_token
    response = Client().get(f"/s/{token}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/phone/?next=%2Fs%2F")


def test_without_a_record_the_check_in_page_registers_one(demo: Any) -> None:
    user, member, _ = member_with_account(demo, flow=False)
    client = _member_client(user)
    url = f"/s/{station(5).qr_token}/"
    assert 'name="employer"' in client.get(url).content.decode()
    missing = client.post(url, {"destination_place": "610113", "reason": "work"})
    assert missing.status_code == 400
    assert not FlowRecord.objects.filter(member=member).exists()
    response = client.post(
        url,
        {
            "destination_place": "陕西省西安市雁塔区小寨东路",
            "reason": "work",
            "left_on": "2025-02-01",
            "employer": "西安某公司",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    flow = FlowRecord.objects.get(member=member, is_open=True)
    assert flow.destination_place_id == "610113"
    assert CheckIn.objects.filter(flow=flow, status=CheckInStatus.PENDING).count() == 1


def test_nearby_lists_stations_by_location_or_by_destination(demo: Any) -> None:
    user, _member, _flow = member_with_account(demo, to="610112")
    client = _member_client(user)
    by_place = client.get("/m/check-in/")
    stations = by_place.context["stations"]
    assert by_place.context["basis"] == "place"
    assert stations[0].station.code == "620800-ST06"  # 未央 for a record to 未央区
    lanzhou = client.get("/m/check-in/?lng=103.85&lat=36.05")
    assert lanzhou.context["basis"] == "location"
    assert lanzhou.context["stations"][0].station.place.parent.name == "兰州市"
    denied = client.get("/m/check-in/?located=denied")
    assert "Location is off" in denied.content.decode()
    forged = client.get("/m/check-in/?lng=999&lat=abc")
    assert forged.status_code == 200 and forged.context["basis"] == "place"


def test_the_check_in_page_is_light(demo: Any) -> None:
    user, _member, _flow = member_with_account(demo)
    html = _member_client(user).get(f"/s/{station(5).qr_token}/").content.decode()
    assert "bootstrap" not in html and "htmx" not in html
    assert len(html.encode()) < 20_000


def test_station_staff_confirm_on_the_page_and_the_member_sees_it(demo: Any, login: Any) -> None:
    user, _member, flow = member_with_account(demo)
    check_in, _ = actions.request_check_in(by=user, station=station(5))
    staff = login("station05")
    home = staff.get("/home/")
    assert home.context["check_ins_pending"] >= 1
    todo = staff.get("/stations/check-ins/")
    assert check_in in todo.context["to_answer"]
    assert login("station06").get("/stations/check-ins/").context["to_answer"].count(check_in) == 0
    assert staff.post(f"/stations/check-ins/{check_in.pk}/confirm/").status_code == 302
    flow.refresh_from_db()
    assert flow.status == FlowStatus.MANAGED
    page = _member_client(user).get(f"/m/check-ins/{check_in.pk}/").content.decode()
    assert 'data-status="confirmed"' in page


def test_refusing_on_the_page_needs_a_reason(demo: Any, login: Any) -> None:
    user, _member, _flow = member_with_account(demo)
    check_in, _ = actions.request_check_in(by=user, station=station(5))
    staff = login("station05")
    url = f"/stations/check-ins/{check_in.pk}/refuse/"
    assert staff.post(url, {"reason": ""}).status_code == 200
    assert staff.post(url, {"reason": "请到未央区报到"}).status_code == 302
    check_in.refresh_from_db()
    assert check_in.status == CheckInStatus.REFUSED
    page = _member_client(user).get(f"/m/check-ins/{check_in.pk}/").content.decode()
    assert "请到未央区报到" in page


def test_other_members_check_ins_are_not_found(demo: Any) -> None:
    user, _member, _flow = member_with_account(demo)
    other, *_ = member_with_account(demo)
    check_in, _ = actions.request_check_in(by=user, station=station(5))
    client = _member_client(other)
    assert client.get(f"/m/check-ins/{check_in.pk}/").status_code == 404
    assert client.post(f"/m/check-ins/{check_in.pk}/cancel/").status_code == 404
    assert client.post(f"/stations/check-ins/{check_in.pk}/confirm/").status_code in (403, 404)


def test_staff_pages_and_posters(login: Any, demo: Any) -> None:
    staff = login("station05")
    listing = staff.get("/stations/")
    assert [s.code for s in listing.context["stations"]] == ["620800-ST05"]
    target = station(5)
    detail = staff.get(f"/stations/{target.pk}/")
    assert detail.status_code == 200 and target.qr_token in detail.content.decode()
    assert staff.get(f"/stations/{station(6).pk}/").status_code == 404
    svg = staff.get(f"/stations/{target.pk}/poster.svg")
    text = svg.content.decode()
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert target.name in text and target.address in text and f"/s/{target.qr_token}/" in text
    png = staff.get(f"/stations/{target.pk}/poster.png")
    assert png["Content-Type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    old = target.qr_token
    assert staff.post(f"/stations/{target.pk}/rotate-qr/").status_code == 302
    target.refresh_from_db()
    assert target.qr_token != old
    assert staff.get(f"/s/{old}/").status_code in (302, 404)


def test_png_poster_degrades_without_a_chinese_font(demo: Any, settings: Any) -> None:
    from liudong.stations import poster

    poster.find_cjk_font.cache_clear()
    try:
        settings.LIUDONG_POSTER_FONT = ""
        original = poster.KNOWN_FONTS
        poster.KNOWN_FONTS = ()
        import shutil

        real_which = shutil.which
        shutil.which = lambda name: None  # no fontconfig either
        try:
            data, has_cjk = poster.png(station(5), "http://testserver/s/x/")
        finally:
            shutil.which = real_which
            poster.KNOWN_FONTS = original
        assert not has_cjk and data[:4] == b"\x89PNG"
    finally:
        poster.find_cjk_font.cache_clear()


def _token(user: Any) -> str:
    return Token.objects.get_or_create(user=user)[0].key


def test_api_check_in_and_confirmation(demo: Any) -> None:
    user, _member, flow = member_with_account(demo)
    member_api = Client(HTTP_AUTHORIZATION=f"Token {_token(user)}")
    staff_api = Client(HTTP_AUTHORIZATION=f"Token {_token(demo('user:station05'))}")
    directory = member_api.get("/api/v1/station-directory/?lng=108.94&lat=34.22").json()
    assert directory[0]["place_code"].startswith("6101") and "id" not in directory[0]
    unknown = member_api.post("/api/v1/check-ins/", {"station": "620800-ST99"})
    assert unknown.status_code == 400 and unknown.json()["code"] == "station_unknown"
    made = member_api.post("/api/v1/check-ins/", {"station": "620800-ST05"})
    assert made.status_code == 201, made.content
    again = member_api.post("/api/v1/check-ins/", {"qr_token": station(5).qr_token})
    assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
    pk = made.json()["id"]
    assert member_api.post(f"/api/v1/check-ins/{pk}/confirm/").status_code == 403
    todo = staff_api.get("/api/v1/check-ins/?to_answer=1").json()["results"]
    assert pk in [row["id"] for row in todo]
    confirmed = staff_api.post(f"/api/v1/check-ins/{pk}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert FlowRecord.objects.get(pk=flow.pk).status == FlowStatus.MANAGED
    twice = staff_api.post(f"/api/v1/check-ins/{pk}/confirm/")
    assert twice.status_code == 400 and twice.json()["code"] == "not_pending"
    other_staff = Client(HTTP_AUTHORIZATION=f"Token {_token(demo('user:station06'))}")
    assert other_staff.post(f"/api/v1/check-ins/{pk}/refuse/", {"reason": "x"}).status_code == 404
    stations = staff_api.get("/api/v1/stations/").json()["results"]
    assert [s["code"] for s in stations] == ["620800-ST05"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_check_ins_make_exactly_one_row(demo: Any) -> None:
    """Threads hit the same endpoint at once, each on its own database connection."""
    user, _member, flow = member_with_account(demo)
    key = _token(user)
    threads_n = 8
    barrier = threading.Barrier(threads_n)
    statuses: list[int] = []
    ids: list[int] = []
    lock = threading.Lock()

    def hit() -> None:
        client = Client(HTTP_AUTHORIZATION=f"Token {key}")
        try:
            barrier.wait(timeout=10)
            response = client.post("/api/v1/check-ins/", {"station": "620800-ST05"})
            with lock:
                statuses.append(response.status_code)
                if response.status_code in (200, 201):
                    ids.append(response.json()["id"])
        finally:
            connection.close()

    threads = [threading.Thread(target=hit) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] * (threads_n - 1) + [201], statuses
    assert len(set(ids)) == 1
    assert CheckIn.objects.filter(flow=flow).count() == 1
