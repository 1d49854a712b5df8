"""The station workbench's compiled reads (decision 162): the check-ins' and the alerts'
cards and the unread count keep their SQL per process under a key holding the user's
scope, so the staff of two stations served one after the other in the same process each
see their own rows; and the cards show what they showed before (rows and counts)."""

from __future__ import annotations

from typing import Any

import pytest

from liudong.core import cards, compiled
from liudong.members.models import Alert
from liudong.notifications import queries as notification_queries
from liudong.stations import actions, queries
from liudong.stations.cards import WORKBENCH_ROWS
from liudong.stations.models import CheckIn
from tests.stations.helpers import member_with_account, station

pytestmark = pytest.mark.django_db


def _figure(demo: Any, username: str, key: str) -> dict[str, Any]:
    user = demo(f"user:{username}")
    ctx = cards.CardContext(user, user.organization, cards.STATION_HOME, None, {})
    (card,) = [c for c in cards.all_cards() if c.key == key]
    return card.figure(ctx)


def test_check_ins_each_station_its_own_in_one_process(demo: Any) -> None:
    compiled._COMPILED.clear()
    asked5 = []
    for _ in range(WORKBENCH_ROWS + 1):  # more than the card shows: the count beyond
        user, _member, _flow = member_with_account(demo, county="620821", to="610113")
        asked5.append(actions.request_check_in(by=user, station=station(5))[0])
    user6, _member6, _flow6 = member_with_account(demo, county="620822", to="610112")
    asked6, _ = actions.request_check_in(by=user6, station=station(6))
    for _ in range(2):  # the second round reads through the kept SQL
        for username, asked in (("station05", asked5), ("station06", [asked6])):
            user = demo(f"user:{username}")
            expected = queries.pending_for_station_side(user)  # the gate's answer as before
            figure = _figure(demo, username, "workbench_check_ins")
            assert [c.pk for c in figure["rows"]] == [c.pk for c in expected[:WORKBENCH_ROWS]]
            assert figure["count"] == expected.count() >= len(asked)
            assert {c.pk for c in asked} <= set(expected.values_list("pk", flat=True))
            assert all(c.station.branch_id == user.organization_id for c in figure["rows"])
            assert figure["rows"][0].member.name
    assert _figure(demo, "station05", "workbench_check_ins")["count"] > WORKBENCH_ROWS


def test_no_check_ins_no_rows(demo: Any) -> None:
    compiled._COMPILED.clear()
    CheckIn.objects.all().delete()
    assert _figure(demo, "station05", "workbench_check_ins") == {"rows": [], "count": 0}


def test_alerts_counts_each_side_in_one_process(demo: Any) -> None:
    compiled._COMPILED.clear()
    for _ in range(2):
        for username in ("station05", "station06"):
            user = demo(f"user:{username}")
            open_ = Alert.objects.filter(resolved=False)
            mine = open_.filter(organization_id=user.organization_id)
            figure = _figure(demo, username, "workbench_alerts")
            assert figure["count"] == mine.count()
            assert figure["escalated"] == open_.filter(escalated_to=user.organization_id).count()
            assert [a.pk for a in figure["rows"]] == [
                a.pk for a in mine.order_by("-raised_on", "-id")[:6]
            ]


def test_unread_count_per_user_in_one_process(demo: Any) -> None:
    from liudong.notifications.models import Notification

    compiled._COMPILED.clear()
    five, six = demo("user:station05"), demo("user:station06")
    Notification.objects.create(recipient=five, kind="test", params={})
    for _ in range(2):
        assert (
            notification_queries.unread_count(five)
            == Notification.objects.filter(recipient=five, read_at__isnull=True).count()
        )
        assert (
            notification_queries.unread_count(six)
            == Notification.objects.filter(recipient=six, read_at__isnull=True).count()
        )


def test_open_requests_each_station_its_own_in_one_process(demo: Any) -> None:
    from liudong.assistance import queries as assistance_queries
    from liudong.assistance.cards import WORKBENCH_ROWS as SHOWN

    compiled._COMPILED.clear()
    for _ in range(2):
        for username in ("station05", "station06", "jingchuan"):
            user = demo(f"user:{username}")
            expected = assistance_queries.first_open_by_deadline(user, SHOWN)
            figure = _figure(demo, username, "workbench_requests")
            assert [r.pk for r in figure["rows"]] == [r.pk for r in expected]
