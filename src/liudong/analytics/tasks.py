"""Periodic jobs of the statistics app; each is also a management command for cron."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from liudong.analytics import actions
from liudong.core.scope import SYSTEM


@shared_task(name="liudong.snapshot_figures")
def snapshot_figures() -> dict[str, Any]:
    """Keep today's key figures per organization (the trends and past months' reports)."""
    return actions.take_snapshots(by=SYSTEM)
