"""The left menu offers only what the role may open: one rule for the menu and the view."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from liudong.accounts.models import Role
from liudong.core.navigation import menu_for

pytestmark = pytest.mark.django_db


# One demo user per role, and a station set up by the city as well as one set up by a county.
DEMO_USERS = ["city", "jingchuan", "station01", "station05", "secretary_jc", "member_jc"]


def test_every_menu_link_opens_for_every_demo_user(demo: Any, login: Any) -> None:
    refused = []
    for username in DEMO_USERS:
        user = demo(f"user:{username}")
        client = login(username)
        links = [item["url"] for group in menu_for(user) for item in group["items"]]
        if user.role != Role.MEMBER:
            assert links, f"{username} ({user.role}) has an empty menu"
        for url in links:
            status = client.get(url).status_code
            if status != 200:
                refused.append((username, user.role, url, status))
    assert not refused, refused


def test_station_staff_menu_has_no_coverage_or_report(demo: Any, login: Any) -> None:
    links = [i["url"] for g in menu_for(demo("user:station05")) for i in g["items"]]
    assert "/statistics/coverage/" not in links
    assert "/statistics/reports/" not in links
    # The view refuses by the same rule the menu asked.
    assert login("station05").get("/statistics/coverage/").status_code == 404
    county = [i["url"] for g in menu_for(demo("user:jingchuan")) for i in g["items"]]
    assert "/statistics/coverage/" in county and "/statistics/reports/" in county


def test_menu_groups_and_entries_keep_their_order(demo: Any) -> None:
    """The apps register their entries (core.navigation); the menu reads as it always did."""
    menu = menu_for(demo("user:city"))
    assert [group["key"] for group in menu] == [
        "home",
        "ledger",
        "stations",
        "activities",
        "analytics",
        "census",
        "orgs",
        "system",
    ]
    assert [item["url"] for group in menu for item in group["items"]] == [
        reverse(name)
        for name in (
            "core:home",
            "notifications:centre",
            "members:ledger_out_of_province",
            "members:ledger_out_of_city",
            "members:ledger_out_of_county",
            "members:ledger_inflow",
            "members:member_list",
            "members:todo",
            "members:alerts",
            "members:transfers",
            "cycle:dues",
            "cycle:appraisals",
            "stations:list",
            "stations:check_ins",
            "assistance:list",
            "siting:list",
            "siting:sites",
            "voice:suggestions",
            "voice:notices",
            "voice:jobs",
            "activities:list",
            "analytics:dashboard",
            "analytics:map",
            "analytics:coverage",
            "analytics:trends",
            "analytics:report",
            "census:rounds",
            "census:conflicts",
            "orgs:list",
            "regions:list",
            "accounts:user_list",
            "codes:list",
            "core:audit_list",
            "swagger-ui",
        )
    ]
