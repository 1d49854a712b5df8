"""The check-in card on the dashboards: counted from the data, within the viewer's subtree."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q

from liudong.stations.cards import check_in_figures
from liudong.stations.models import CheckIn, CheckInStatus


def _figure(html: str, key: str) -> int:
    match = re.search(rf'data-figure="{key}">([\d,]+)<', html)
    assert match, f"{key} not on the page"
    return int(match.group(1).replace(",", ""))


def test_city_card_counts_every_check_in(login: Any, demo: Any) -> None:
    html = login("city").get("/statistics/dashboard/").content.decode()
    assert (
        _figure(html, "check_ins_pending")
        == CheckIn.objects.filter(status=CheckInStatus.PENDING).count()
    )
    assert (
        _figure(html, "check_ins_confirmed")
        == CheckIn.objects.filter(status=CheckInStatus.CONFIRMED).count()
    )
    assert CheckIn.objects.filter(status=CheckInStatus.PENDING).exists()


def test_county_card_counts_its_stations_and_its_members_only(demo: Any) -> None:
    jingchuan = demo("620821")
    ours = Q(station__organization__path__startswith=jingchuan.path) | Q(
        flow__home_organization__path__startswith=jingchuan.path
    )
    expected = CheckIn.objects.filter(ours)
    figures = check_in_figures(demo("user:jingchuan"), jingchuan)
    assert figures["pending"] == expected.filter(status=CheckInStatus.PENDING).count()
    assert figures["confirmed"] == expected.filter(status=CheckInStatus.CONFIRMED).count()
    everything = check_in_figures(demo("user:city"), demo("620800"))
    assert figures["confirmed"] < everything["confirmed"]
    # 灵台's administrator asking about 泾川 counts only what both scopes cover: 泾川's
    # members at the stations 灵台 runs.
    lingtai_path = demo("620822").path
    theirs = Q(station__organization__path__startswith=lingtai_path) | Q(
        flow__home_organization__path__startswith=lingtai_path
    )
    both = CheckIn.objects.filter(ours).filter(theirs)
    lingtai = check_in_figures(demo("user:lingtai"), jingchuan)
    assert lingtai["confirmed"] == both.filter(status=CheckInStatus.CONFIRMED).count()
    assert lingtai["confirmed"] < figures["confirmed"]


def test_station_dashboard_shows_its_own_check_ins(login: Any, demo: Any) -> None:
    html = login("station05").get("/statistics/dashboard/").content.decode()
    at_station = CheckIn.objects.filter(station__code="620800-ST05")
    assert (
        _figure(html, "check_ins_confirmed")
        == at_station.filter(status=CheckInStatus.CONFIRMED).count()
    )
