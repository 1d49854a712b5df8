"""Overdue requests escalate to the organization running the station, once, audited."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from liudong.assistance import actions, queries, tasks
from liudong.assistance.models import ServiceRequest
from liudong.core.models import AuditEvent
from liudong.core.scope import SYSTEM
from tests.assistance.conftest import FROZEN
from tests.stations.helpers import station

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


def test_not_accepted_in_time_escalates_to_the_county_running_the_station(
    make_request: Any, frozen: Any
) -> None:
    request = make_request(kind="policy", now=FROZEN)
    # Accept by Friday 9 October 10:30 (the holiday skipped): not overdue an hour before.
    actions.escalate_overdue(by=SYSTEM, now=request.accept_by - HOUR)
    request.refresh_from_db()
    assert not request.escalated
    counts = actions.escalate_overdue(by=SYSTEM, now=request.accept_by + HOUR)
    assert counts["escalated"] >= 1
    request.refresh_from_db()
    assert request.escalated and request.escalated_to.code == "620821"  # 泾川 runs ST05
    assert request.escalated_at == request.accept_by + HOUR
    assert (
        AuditEvent.objects.filter(
            verb="service_request.escalate", object_id=str(request.pk)
        ).count()
        == 1
    )
    # Once: a second run changes nothing.
    actions.escalate_overdue(by=SYSTEM, now=request.accept_by + 2 * HOUR)
    assert (
        AuditEvent.objects.filter(
            verb="service_request.escalate", object_id=str(request.pk)
        ).count()
        == 1
    )


def test_st01_escalates_to_the_city_working_committee_not_a_county(
    make_request: Any, frozen: Any
) -> None:
    st01 = station(1)
    request = make_request(kind="legal_aid", station=st01, now=FROZEN)
    assert actions.escalation_target(request).name == "中共平凉市直属机关工作委员会"
    actions.escalate_overdue(by=SYSTEM, now=request.accept_by + HOUR)
    request.refresh_from_db()
    assert request.escalated_to == st01.organization
    assert request.escalated_to.kind != "county_committee"


def test_accepted_but_not_resolved_in_time_escalates(
    make_request: Any, staff: Any, frozen: Any
) -> None:
    request = actions.accept_request(by=staff, request=make_request(kind="hardship"))
    actions.escalate_overdue(by=SYSTEM, now=request.accept_by + HOUR)
    request.refresh_from_db()
    assert not request.escalated  # accepted in time; the resolution is not yet due
    actions.escalate_overdue(by=SYSTEM, now=request.resolve_by + HOUR)
    request.refresh_from_db()
    assert request.escalated


def test_closed_requests_never_escalate(make_request: Any, staff: Any, frozen: Any) -> None:
    request = actions.refuse_request(by=staff, request=make_request(), reason="不属于本站")
    actions.escalate_overdue(by=SYSTEM, now=request.resolve_by + 100 * HOUR)
    request.refresh_from_db()
    assert not request.escalated


def test_the_bell_shows_requests_to_accept_and_escalated_ones(
    demo: Any, make_request: Any, staff: Any, frozen: Any
) -> None:
    before = queries.to_answer_count(staff)
    escalated_before = queries.escalated_count(staff)
    request = make_request()
    assert queries.to_answer_count(staff) == before + 1
    assert queries.to_answer_count(demo("user:jingchuan")) >= 1
    actions.escalate_overdue(by=SYSTEM, now=request.accept_by + HOUR)
    assert queries.escalated_count(staff) >= escalated_before + 1
    from liudong.core.attention import items_for

    keys = {item["key"] for item in items_for(staff)}
    assert {"service_requests", "service_requests_escalated"} <= keys
    assert (
        queries.to_answer_count(demo("user:station06"))
        == ServiceRequest.objects.filter(station__code="620800-ST06", status="submitted").count()
    )


def test_the_command_and_the_task_escalate(make_request: Any, monkeypatch: Any) -> None:
    from django.utils import timezone

    request = make_request(now=FROZEN)
    monkeypatch.setattr(timezone, "now", lambda: request.accept_by + HOUR)
    out = StringIO()
    call_command("escalate_requests", stdout=out)
    assert "escalated" in out.getvalue()
    request.refresh_from_db()
    assert request.escalated
    assert tasks.escalate_service_requests() == {"escalated": 0}
