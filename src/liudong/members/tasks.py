"""Periodic jobs of the ledger; each is also a management command for cron."""

from __future__ import annotations

from celery import shared_task

from liudong.core.scope import SYSTEM
from liudong.members import actions, alerts


@shared_task(name="liudong.scan_alerts")
def scan_alerts() -> dict[str, int]:
    """Raise due contact, lost-contact and yearly-report alerts; resolve settled ones."""
    return alerts.scan()


@shared_task(name="liudong.escalate_alerts")
def escalate_alerts() -> dict[str, int]:
    """Send alerts unresolved for LIUDONG_ALERT_ESCALATE_DAYS to the organization above."""
    return actions.escalate_alerts(by=SYSTEM)
