"""Each dashboard is titled by its level and shows only the cards that apply (item 20)."""

from __future__ import annotations

import re
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

from liudong.analytics import cards

EN = {"liudong_language": "en"}


def _page(client: Any, url: str = "/statistics/dashboard/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _cards(html: str) -> set[str]:
    return set(re.findall(r'id="card-(\w+)"', html))


def _title(html: str) -> str:
    return re.sub(r"\s+", " ", re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)).strip()


def test_branch_secretary_dashboard_is_the_branch_dashboard(login: Any) -> None:
    client = login("secretary_jc")
    html = _page(client)
    with translation.override("zh-hans"):
        assert gettext("Branch dashboard") != "Branch dashboard"
        assert _title(html).endswith(gettext("Branch dashboard"))
        assert gettext("County dashboard") not in html
    client.cookies.load(EN)
    assert _title(_page(client)).endswith("Branch dashboard")


def test_branch_dashboard_has_no_blank_organization_filter(login: Any, demo: Any) -> None:
    branch = demo("user:secretary_jc").organization
    html = _page(login("secretary_jc"))
    field = re.search(r'<input id="f-org"[^>]*>|<select id="f-org".*?</select>', html, re.S)
    assert field, "no organization filter"
    assert (branch.short_name or branch.name) in field.group(0)
    assert f'name="org" value="{branch.code}"' in html


def test_branch_dashboard_shows_only_the_cards_that_apply_to_a_branch(login: Any) -> None:
    shown = _cards(_page(login("secretary_jc")))
    assert {"members_found", "alerts", "by_province"} <= shown
    for county_only in ("co_managed", "coverage_rows", "inflow_under_service", "station_list"):
        assert county_only not in shown, county_only


def test_a_township_is_not_told_about_our_stations(login: Any) -> None:
    """Co-managed at *our stations* applies to the county that runs them, not to a
    township (same level on the dashboard, but no stations of its own)."""
    client = login("jingchuan")
    assert "co_managed" in _cards(_page(client))
    township = _cards(_page(client, "/statistics/dashboard/?org=620821001"))
    assert "co_managed" not in township and "coverage_rows" in township


def test_levels_of_the_demo_tree(demo: Any) -> None:
    assert cards.level_of(demo("620800")) == cards.CITY
    assert cards.level_of(demo("620821")) == cards.COUNTY
    assert cards.level_of(demo("620821001")) == cards.COUNTY
    assert cards.level_of(demo("user:secretary_jc").organization) == cards.BRANCH
    assert cards.level_of(demo("620800-LD05")) == cards.STATION


def test_a_card_applies_by_its_predicate(demo: Any) -> None:
    card = cards.Card(
        "t", "T", "x.html", lambda ctx: 1, levels=(cards.COUNTY,), applies_to=cards.runs_stations
    )
    assert card.applies(demo("620821"), cards.COUNTY)
    assert not card.applies(demo("620821001"), cards.COUNTY)
    assert not card.applies(demo("620821"), cards.CITY)
