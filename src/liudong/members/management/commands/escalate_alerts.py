"""Escalate unresolved alerts once (the daily Celery task does the same, after the scan)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from liudong.core.scope import SYSTEM
from liudong.members import actions


class Command(BaseCommand):
    help = (
        "Send overdue-contact and lost-contact alerts unresolved for "
        "LIUDONG_ALERT_ESCALATE_DAYS days to the organization above (up to the county)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--today", help="escalate as of this day (YYYY-MM-DD); default today")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"]:
            try:
                today = datetime.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError("--today takes a date as YYYY-MM-DD.") from exc
        counts = actions.escalate_alerts(by=SYSTEM, today=today)
        for key, value in counts.items():
            self.stdout.write(f"{key:<24} {value}")
