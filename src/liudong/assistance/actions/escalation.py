"""Overdue requests go up to the organization that runs the station (decision 112).

For a station of the city's working committee (ST01: 市直机关工委) that is the committee,
not a county. Run daily (Celery task ``liudong.escalate_service_requests`` or
``liudong escalate_requests``); a request is escalated once.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from liudong.assistance import notify
from liudong.assistance.deadlines import overdue_condition
from liudong.assistance.models import ServiceRequest
from liudong.core import audit
from liudong.core.scope import require_actor


def escalation_target(request: ServiceRequest) -> Any:
    """The organization an overdue request goes to: the one running the station."""
    return request.station.organization


@transaction.atomic
def escalate_overdue(*, by: Any, now: datetime.datetime | None = None) -> dict[str, int]:
    """Mark every overdue open request not yet escalated; one audit row each."""
    require_actor(by)
    now = now or timezone.now()
    due = list(
        ServiceRequest.objects.select_for_update(of=("self",))
        .filter(overdue_condition(now), escalated=False)
        .select_related("station__organization", "station__branch")
        .order_by("pk")
    )
    with audit.action("service_request.escalate", actor=by):
        for request in due:
            request.escalated = True
            request.escalated_to = escalation_target(request)
            request.escalated_at = now
            request.save(update_fields=["escalated", "escalated_to", "escalated_at", "updated_at"])
            notify.overdue(request, by=by)
    return {"escalated": len(due)}
