"""Escalate overdue service requests once (the daily Celery task does the same)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from liudong.assistance import actions
from liudong.core.scope import SYSTEM


class Command(BaseCommand):
    help = (
        "Mark open service requests past their deadline (accept or resolve, in working days) "
        "as escalated to the organization that runs their station."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = actions.escalate_overdue(by=SYSTEM)
        for key, value in counts.items():
            self.stdout.write(f"{key:<24} {value}")
