"""Run the alert scan once (the daily Celery task does the same)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from liudong.members import alerts


class Command(BaseCommand):
    help = "Raise overdue-contact, suggest-lost and yearly-report alerts; resolve settled ones."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--today", help="scan as of this day (YYYY-MM-DD); default today")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"]:
            try:
                today = datetime.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError("--today takes a date as YYYY-MM-DD.") from exc
        counts = alerts.scan(today=today)
        for key, value in counts.items():
            self.stdout.write(f"{key:<24} {value}")
