"""Periodic jobs of the platform; each is also a management command for cron."""

from __future__ import annotations

from celery import shared_task
from django.core.management import call_command


@shared_task(name="liudong.purge_audit")
def purge_audit() -> None:
    """Keep the audit trail to its retention period (never fewer than 180 days)."""
    call_command("purge_audit")


@shared_task(name="liudong.flush_task_outbox")
def flush_task_outbox() -> int:
    """Send the tasks kept while the broker was away (``liudong.core.outbox``)."""
    from liudong.core import outbox

    return outbox.flush()
