"""A request's steps reach people: assigned (the staff member), overdue (the station's and
the escalation organization's staff), resolved (the member). And a station with open
requests does not close."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from liudong.assistance import actions
from liudong.core.errors import DomainError
from liudong.core.scope import SYSTEM
from liudong.notifications.kinds import render
from liudong.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _told(kind: str, request: Any) -> set[str]:
    rows = Notification.objects.filter(kind=kind, source_id=str(request.pk))
    return set(rows.values_list("recipient__username", flat=True))


def test_the_assignee_is_told_unless_they_took_it_themselves(
    demo: Any, make_request: Any, staff: Any
) -> None:
    mine = actions.accept_request(by=staff, request=make_request(text="一"))
    assert _told("request.assigned", mine) == set()
    given = actions.accept_request(
        by=demo("user:jingchuan"), request=make_request(text="二"), assignee=staff
    )
    assert _told("request.assigned", given) == {"station05"}
    row = Notification.objects.get(kind="request.assigned", source_id=str(given.pk))
    title, body = render(row.kind, row.params)
    assert "二" not in title + body and given.station.name in title
    assert row.link == f"/requests/{given.pk}/"


def test_overdue_tells_the_station_and_the_organization_it_went_to(
    make_request: Any, frozen: Any
) -> None:
    request = make_request(text="过期")
    actions.escalate_overdue(by=SYSTEM, now=request.accept_by + datetime.timedelta(hours=1))
    told = _told("request.overdue", request)
    assert {"station05", "jingchuan"} <= told  # LD05's staff, 泾川 (runs ST05)
    assert "lingtai" not in told and "jingning" not in told
    # Escalated once, told once.
    actions.escalate_overdue(by=SYSTEM, now=request.resolve_by + datetime.timedelta(hours=1))
    assert Notification.objects.filter(
        kind="request.overdue", source_id=str(request.pk)
    ).count() == len(told)


def test_the_member_is_told_of_the_resolution(make_request: Any, staff: Any, asker: Any) -> None:
    request = actions.accept_request(by=staff, request=make_request(kind="legal_aid"))
    actions.resolve_request(by=staff, request=request, outcome="已办结")
    row = Notification.objects.get(kind="request.resolved", source_id=str(request.pk))
    assert row.recipient == asker[0] and row.link == f"/m/requests/{request.pk}/"


def test_a_station_with_open_requests_does_not_close(
    demo: Any, make_request: Any, st05: Any, staff: Any
) -> None:
    from liudong.stations import actions as stations

    request = make_request()
    with pytest.raises(DomainError) as refused:
        stations.close_station(by=demo("user:jingchuan"), station=st05, reason="撤并")
    assert refused.value.code == "closing_blocked"
    assert "service request" in refused.value.message or "服务诉求" in refused.value.message
    st05.refresh_from_db()
    assert st05.status == "open"
    assert request.station == st05
