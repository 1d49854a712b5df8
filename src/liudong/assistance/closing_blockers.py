"""A station with open service requests does not close: they are finished or refused first."""

from __future__ import annotations

from typing import Any

from django.utils.translation import ngettext

from liudong.assistance.models import OPEN_STATUSES, ServiceRequest
from liudong.stations.closing import ClosingBlocker, blockers


def open_requests(station: Any) -> str | None:
    count = ServiceRequest.objects.filter(station=station, status__in=OPEN_STATUSES).count()
    if not count:
        return None
    return ngettext(
        "%(count)d service request is still open: resolve or refuse it before closing.",
        "%(count)d service requests are still open: resolve or refuse them before closing.",
        count,
    ) % {"count": count}


blockers.register(ClosingBlocker("assistance.open_requests", open_requests, order=20))
