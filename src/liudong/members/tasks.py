"""Periodic jobs of the ledger; each is also a management command for cron."""

from __future__ import annotations

from celery import shared_task

from liudong.members import alerts


@shared_task(name="liudong.scan_alerts")
def scan_alerts() -> dict[str, int]:
    """Raise due contact, lost-contact and yearly-report alerts; resolve settled ones."""
    return alerts.scan()
