"""The bell in the top bar: what awaits the user's answer, within their scope, polled
without keeping the session alive."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings

from liudong.stations import actions
from tests.stations.helpers import member_with_account, station


def _bell(client: Any) -> str:
    response = client.get("/attention/")
    assert response.status_code == 200
    return response.content.decode()


def _count(bell: str, key: str) -> int:
    found = re.search(rf'data-attention="{key}">.*?ld-num">(\d+)<', bell)
    return int(found.group(1)) if found else 0


def test_the_station_is_told_of_a_new_check_in_and_others_are_not(login: Any, demo: Any) -> None:
    before = _bell(login("station05"))
    before_lingtai = _bell(login("lingtai"))
    user, _member, _flow = member_with_account(demo)
    actions.request_check_in(by=user, station=station(5))
    bell = _bell(login("station05"))
    assert _count(bell, "check_ins") == _count(before, "check_ins") + 1
    assert "/stations/check-ins/#to-answer" in bell
    # 灵台 does not run 雁塔's station and the member is 泾川's: nothing more for it.
    assert _count(_bell(login("lingtai")), "check_ins") == _count(before_lingtai, "check_ins")


def test_the_bell_counts_what_the_to_do_page_lists(login: Any, demo: Any) -> None:
    from liudong.members import work

    client = login("station05")
    user = demo("user:station05")
    expected = work.handoffs_to_answer(user).count()
    bell = _bell(client)
    if expected:
        assert 'data-attention="handoffs"' in bell and f">{expected}<" in bell
    else:
        assert 'data-attention="handoffs"' not in bell


def test_every_staff_page_carries_the_bell(login: Any) -> None:
    page = login("jingchuan").get("/home/").content.decode()
    assert 'hx-get="/attention/"' in page


def test_signed_out_gets_nothing(client: Any) -> None:
    assert client.get("/attention/").status_code == 204


@pytest.mark.skipif(
    settings.SESSION_ENGINE != "django.contrib.sessions.backends.db",
    reason=(
        "reads the session row in the database; with REDIS_URL set, sessions live in Redis "
        "(make test and CI run without it, so this runs there)"
    ),
)
def test_the_poll_does_not_keep_the_session_alive(login: Any, settings: Any) -> None:
    from django.contrib.sessions.models import Session

    client = login("city")
    assert client.get("/home/").status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    settings.LIUDONG_SESSION_TOUCH_SECONDS = 0  # every request of the user's would touch
    first = Session.objects.get(pk=key).expire_date
    assert client.get("/attention/").status_code == 200
    assert Session.objects.get(pk=key).expire_date == first
    assert client.get("/home/").status_code == 200
    assert Session.objects.get(pk=key).expire_date > first


def test_the_api_gives_the_same_items(login: Any, demo: Any) -> None:
    client = login("station05")
    user, _member, _flow = member_with_account(demo)
    actions.request_check_in(by=user, station=station(5))
    answer = client.get("/api/v1/attention/").json()
    by_key = {item["key"]: item for item in answer["items"]}
    assert by_key["check_ins"]["count"] == _count(_bell(client), "check_ins") >= 1
    assert answer["total"] == sum(item["count"] for item in answer["items"])
    assert by_key["check_ins"]["url"].endswith("#to-answer")


def test_the_api_needs_a_signed_in_user(client: Any) -> None:
    assert client.get("/api/v1/attention/").status_code in (401, 403)
