"""The station workbench (issue 13 item 5): open requests by deadline (overdue first, with
the deadline and its state) and the week's activities, scoped by the gate: a station's
staff see their station only, a county administrator the stations the county runs."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liudong.assistance import actions
from liudong.assistance.cards import by_deadline
from liudong.assistance.models import RequestAttachment, ServiceRequest
from liudong.core import cards
from tests.activities.helpers import NOW, at, planned
from tests.stations.helpers import member_with_account, station

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Freeze ``timezone.now()`` at NOW; ``clock(moment)`` moves it."""

    def freeze(moment: datetime.datetime) -> datetime.datetime:
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    freeze(NOW)
    return freeze


@pytest.fixture
def work(clock: Any, demo: Any) -> dict[str, Any]:
    """At NOW (a Monday): at ST05 (泾川's) one request overdue, one due later; at ST06
    (灵台's) one request; an activity of each station this week and one next month."""
    # The demo's own requests (at the real today) would mix in: start from none.
    RequestAttachment.objects.all().delete()
    ServiceRequest.objects.all().delete()
    user5, _m5, _f5 = member_with_account(demo, county="620821", to="610113")
    user6, _m6, _f6 = member_with_account(demo, county="620822", to="610112")
    clock(NOW - datetime.timedelta(days=10))
    late, _ = actions.submit_request(by=user5, station=station(5), kind="other", description="a")
    clock(NOW)
    fresh, _ = actions.submit_request(by=user5, station=station(5), kind="policy", description="b")
    other, _ = actions.submit_request(by=user6, station=station(6), kind="other", description="c")
    return {
        "late": late,
        "fresh": fresh,
        "other": other,
        "week5": planned(5, starts_in=60 * 24 * 2, title="雁塔站本周学习"),
        "week6": planned(6, starts_in=60 * 24 * 2, title="未央站本周学习"),
        "later5": planned(5, starts_in=60 * 24 * 30, title="雁塔站下月学习"),
    }


def _home(demo: Any, username: str) -> str:
    client = Client()
    client.force_login(demo(f"user:{username}"))
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    return response.content.decode()


def _card(demo: Any, username: str) -> dict[str, Any]:
    user = demo(f"user:{username}")
    return by_deadline(cards.CardContext(user, user.organization, cards.STATION_HOME, None, {}))


def test_open_requests_by_deadline_overdue_first_with_state(work: dict[str, Any], demo: Any):
    figure = _card(demo, "station05")
    assert [r.pk for r in figure["rows"]] == [work["late"].pk, work["fresh"].pk]
    assert [r.due_state for r in figure["rows"]] == ["overdue", "coming"]
    assert figure["rows"][0].due_is_accept  # submitted: its deadline is the accept-by
    assert (figure["open"], figure["overdue"], figure["to_accept"]) == (2, 1, 2)


def test_station_staff_see_their_station_only(work: dict[str, Any], demo: Any) -> None:
    page = _home(demo, "station05")
    for key in ("workbench_check_ins", "workbench_alerts", "workbench_requests"):
        assert f'id="card-{key}"' in page, key
    assert f'data-request="{work["late"].pk}"' in page
    assert 'data-due-state="overdue"' in page
    assert f'data-request="{work["other"].pk}"' not in page
    assert "雁塔站本周学习" in page
    assert "未央站本周学习" not in page
    assert "雁塔站下月学习" not in page  # not this week
    assert reverse("assistance:list") in page and reverse("activities:list") in page
    page6 = _home(demo, "station06")
    assert f'data-request="{work["other"].pk}"' in page6
    assert f'data-request="{work["late"].pk}"' not in page6
    assert "雁塔站本周学习" not in page6


def test_county_sees_the_stations_it_runs(work: dict[str, Any], demo: Any) -> None:
    page = _home(demo, "jingchuan")  # runs ST05
    assert 'id="card-workbench_requests"' in page
    assert f'data-request="{work["late"].pk}"' in page
    assert f'data-request="{work["other"].pk}"' not in page
    assert "雁塔站本周学习" in page and "未央站本周学习" not in page
    page = _home(demo, "lingtai")  # runs ST06
    assert f'data-request="{work["other"].pk}"' in page
    assert f'data-request="{work["late"].pk}"' not in page
    assert "未央站本周学习" in page and "雁塔站本周学习" not in page
    # A county's home has no check-in card of the workbench (its banner says it already).
    assert 'id="card-workbench_check_ins"' not in page


def test_the_city_has_no_station_workbench(work: dict[str, Any], demo: Any) -> None:
    assert 'id="station-workbench"' not in _home(demo, "city")


def test_closed_requests_leave_the_workbench(work: dict[str, Any], demo: Any) -> None:
    staff = demo("user:station05")
    actions.refuse_request(by=staff, request=work["late"], reason="不属于本站服务范围")
    figure = _card(demo, "station05")
    assert [r.pk for r in figure["rows"]] == [work["fresh"].pk]
    assert figure["overdue"] == 0
    assert ServiceRequest.objects.filter(pk=work["late"].pk, status="refused").exists()
    assert at(0) == NOW


def test_workbench_page_in_english(work: dict[str, Any], demo: Any) -> None:
    client = Client()
    client.force_login(demo("user:station05"))
    page = client.get(reverse("core:home")).content.decode()
    assert "Open service requests, nearest deadline first" not in page  # Chinese first
    client.cookies.load({"liudong_language": "en"})
    page = client.get(reverse("core:home")).content.decode()
    assert "Open service requests, nearest deadline first" in page
