"""A user reads and marks only their own notifications, on the pages and through the API;
the bell counts them; the station workbench and the member's phone home show them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from rest_framework.test import APIClient

from liudong.core.scope import SYSTEM
from liudong.notifications import actions
from liudong.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _ids(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'data-notification="(\d+)"', html)}


@pytest.fixture
def two(demo: Any, hello_kind: str) -> dict[str, Any]:
    """station05 (泾川's 雁塔) and station06 (灵台's 未央), each with a fresh notification."""
    mine, theirs = demo("user:station05"), demo("user:station06")
    actions.notify([mine], hello_kind, params={"name": "mine"}, link="/stations/", by=SYSTEM)
    actions.notify([theirs], hello_kind, params={"name": "theirs"}, by=SYSTEM)
    return {
        "me": mine,
        "other": theirs,
        "mine": Notification.objects.get(recipient=mine, kind=hello_kind),
        "theirs": Notification.objects.get(recipient=theirs, kind=hello_kind),
    }


def test_the_centre_lists_only_ones_own(login: Any, two: dict[str, Any]) -> None:
    response = login("station05").get("/notifications/")
    assert response.status_code == 200
    shown = _ids(response.content.decode())
    assert two["mine"].pk in shown and two["theirs"].pk not in shown
    assert shown <= set(
        Notification.objects.filter(recipient=two["me"]).values_list("pk", flat=True)
    )
    assert "Hello mine" in response.content.decode()


def test_opening_marks_read_and_follows_the_link(login: Any, two: dict[str, Any]) -> None:
    client = login("station05")
    response = client.get(f"/notifications/{two['mine'].pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/stations/"
    two["mine"].refresh_from_db()
    assert two["mine"].read_at is not None
    assert client.get(f"/notifications/{two['theirs'].pk}/open/").status_code == 404
    two["theirs"].refresh_from_db()
    assert two["theirs"].read_at is None


def test_marking_anothers_does_nothing(login: Any, two: dict[str, Any]) -> None:
    client = login("station05")
    client.post("/notifications/read/", {"ids": [two["theirs"].pk, two["mine"].pk]})
    two["theirs"].refresh_from_db()
    two["mine"].refresh_from_db()
    assert two["theirs"].read_at is None and two["mine"].read_at is not None
    response = client.post("/notifications/read/", {"ids": ["x"]}, follow=True)
    assert response.status_code == 200  # a clear message, not a 500
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(recipient=two["me"], read_at__isnull=True).exists()
    assert Notification.objects.filter(pk=two["theirs"].pk, read_at__isnull=True).exists()


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_shows_and_marks_only_ones_own(two: dict[str, Any], demo: Any) -> None:
    api = _api(two["me"])
    listed = api.get("/api/v1/notifications/?page_size=200").json()
    ids = {row["id"] for row in listed["results"]}
    assert two["mine"].pk in ids and two["theirs"].pk not in ids
    row = next(r for r in listed["results"] if r["id"] == two["mine"].pk)
    assert row["title"] == "Hello mine" or "mine" in row["title"]
    assert api.get(f"/api/v1/notifications/{two['theirs'].pk}/").status_code == 404
    assert api.post(f"/api/v1/notifications/{two['theirs'].pk}/read/").status_code == 404
    unread = api.get("/api/v1/notifications/unread-count/").json()["unread"]
    assert unread == Notification.objects.filter(recipient=two["me"], read_at=None).count()
    answer = api.post("/api/v1/notifications/read/", {"ids": [two["theirs"].pk]}, format="json")
    assert answer.status_code == 200 and answer.json()["marked"] == 0
    answer = api.post(f"/api/v1/notifications/{two['mine'].pk}/read/")
    assert answer.status_code == 200 and answer.json()["is_read"] is True
    bad = api.post("/api/v1/notifications/read/", {"ids": ["x"]}, format="json")
    assert bad.status_code == 400
    api.post("/api/v1/notifications/read-all/")
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}
    assert Notification.objects.filter(pk=two["theirs"].pk, read_at__isnull=True).exists()
    # the city administrator, who sees everything through the gate, still lists only theirs
    city = _api(demo("user:city")).get("/api/v1/notifications/?page_size=200").json()
    assert all(r["id"] not in (two["mine"].pk, two["theirs"].pk) for r in city["results"])


def test_the_bell_counts_unread(login: Any, two: dict[str, Any]) -> None:
    response = login("station05").get("/attention/")
    html = response.content.decode()
    assert 'data-attention="notifications"' in html
    unread = Notification.objects.filter(recipient=two["me"], read_at=None).count()
    assert re.search(rf'data-attention="notifications".*?>{unread}</span>', html, re.S)


def test_the_station_workbench_shows_its_cards(login: Any, two: dict[str, Any]) -> None:
    html = login("station05").get("/home/").content.decode()
    for key in ("workbench_check_ins", "workbench_alerts", "workbench_notifications"):
        assert f'id="card-{key}"' in html, key
    assert html.index("card-workbench_check_ins") < html.index("card-workbench_notifications")
    assert two["mine"].pk in _ids(html) and two["theirs"].pk not in _ids(html)


def test_the_member_phone_home_shows_theirs(login: Any, demo: Any, hello_kind: str) -> None:
    member, other = demo("user:member_jc"), demo("user:member_lt")
    actions.notify([member], hello_kind, params={"name": "jc"}, by=SYSTEM)
    actions.notify([other], hello_kind, params={"name": "lt"}, by=SYSTEM)
    mine = Notification.objects.get(recipient=member, kind=hello_kind)
    theirs = Notification.objects.get(recipient=other, kind=hello_kind)
    client = login("member_jc")
    html = client.get("/home/").content.decode()
    assert 'id="my-messages"' in html and mine.pk in _ids(html) and theirs.pk not in _ids(html)
    centre = client.get("/notifications/").content.decode()
    assert "m-tabbar" in centre and mine.pk in _ids(centre) and theirs.pk not in _ids(centre)
    unread = Notification.objects.filter(recipient=member, read_at=None).count()
    assert f'data-figure="unread-tab">{unread}</b>' in centre


def test_the_schema_documents_the_api(login: Any) -> None:
    schema = login("station05").get("/api/schema/").content.decode()
    for path in ("", "{id}/", "{id}/read/", "read/", "read-all/", "unread-count/"):
        assert f"/api/v1/notifications/{path}:" in schema, path
