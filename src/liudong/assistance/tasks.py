"""Periodic jobs of the service requests; each is also a management command for cron."""

from __future__ import annotations

from celery import shared_task

from liudong.assistance import actions
from liudong.core.scope import SYSTEM


@shared_task(name="liudong.escalate_service_requests")
def escalate_service_requests() -> dict[str, int]:
    """Escalate open requests past their deadline to the organization running the station."""
    return actions.escalate_overdue(by=SYSTEM)
