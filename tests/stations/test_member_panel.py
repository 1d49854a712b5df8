"""The member's page shows their check-ins, refusals with the reason, to the home side
and the station, and to nobody outside the scope."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from liudong.stations import actions
from tests.stations.helpers import member_with_account, station


def _page(demo: Any, username: str, member: Any) -> Any:
    client = Client()
    client.force_login(demo(f"user:{username}"))
    return client.get(reverse("members:member_detail", args=[member.pk]))


def test_the_home_county_sees_the_refusal_and_its_reason(demo: Any) -> None:
    user, member, _flow = member_with_account(demo)
    check_in, _ = actions.request_check_in(by=user, station=station(5))
    actions.refuse_check_in(
        by=demo("user:station05"), check_in=check_in, reason="不在本站服务范围，请到未央站"
    )
    page = _page(demo, "jingchuan", member)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-panel="check_ins"' in text
    assert f'data-check-in="{check_in.pk}"' in text
    assert "不在本站服务范围，请到未央站" in text
    assert station(5).name in text


def test_the_station_sees_the_member_once_it_has_confirmed(demo: Any) -> None:
    user, member, _flow = member_with_account(demo)
    check_in, _ = actions.request_check_in(by=user, station=station(5))
    # Pending: the station answers it from its check-in list; the member is not yet its own.
    assert _page(demo, "station05", member).status_code == 404
    actions.confirm_check_in(by=demo("user:station05"), check_in=check_in)
    page = _page(demo, "station05", member)
    assert page.status_code == 200
    assert f'data-check-in="{check_in.pk}"' in page.content.decode()


def test_another_county_sees_neither_the_page_nor_the_check_in(demo: Any) -> None:
    user, member, _flow = member_with_account(demo)
    actions.request_check_in(by=user, station=station(5))
    assert _page(demo, "lingtai", member).status_code == 404


def test_a_member_without_check_ins_gets_an_empty_panel(demo: Any) -> None:
    _user, member, _flow = member_with_account(demo)
    text = _page(demo, "jingchuan", member).content.decode()
    assert 'data-panel="check_ins"' in text
    assert "data-check-in=" not in text
