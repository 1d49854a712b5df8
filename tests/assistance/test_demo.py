"""The demo's requests: every kind and state at the stations, overdue ones escalated to the
organization running their station, some rated, written through the actions."""

from __future__ import annotations

from typing import Any

import pytest

from liudong.assistance.models import (
    REQUEST_KINDS,
    RequestAttachment,
    RequestStatus,
    ServiceRequest,
)
from liudong.core import uploads
from liudong.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_every_kind_and_state_is_in_the_demo(demo: Any) -> None:
    rows = ServiceRequest.objects.select_related("station__organization", "escalated_to")
    assert {r.status for r in rows} == set(RequestStatus.values)
    assert {r.kind for r in rows} == set(REQUEST_KINDS)
    assert len({r.station_id for r in rows}) == 12
    escalated = [r for r in rows if r.escalated]
    assert escalated and all(r.escalated_to == r.station.organization for r in escalated)
    assert any(r.station.code.endswith("ST01") for r in escalated)
    assert rows.filter(rating__isnull=False).exists()
    assert rows.filter(status="resolved", rating__isnull=True).exists()  # left to rate
    # Each request's kind is one its station offers (or "other").
    assert all(r.kind in r.station.services or r.kind == "other" for r in rows)


def test_the_demo_wrote_through_the_actions(demo: Any) -> None:
    total = ServiceRequest.objects.count()
    assert AuditEvent.objects.filter(verb="service_request.submit").count() >= total
    found = RequestAttachment.objects.first()
    assert found is not None and uploads.path_of(found.stored_as).exists()
