"""Periodic jobs of the platform; each is also a management command for cron."""

from __future__ import annotations

from celery import shared_task
from django.core.management import call_command


@shared_task(name="liudong.purge_audit")
def purge_audit() -> None:
    """Keep the audit trail to its retention period (never fewer than 180 days)."""
    call_command("purge_audit")
