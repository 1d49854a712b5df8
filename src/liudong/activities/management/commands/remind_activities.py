"""Send the day-before reminders of activities once (the daily Celery task does the same)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from liudong.activities import actions
from liudong.core.scope import SYSTEM


class Command(BaseCommand):
    help = "Remind members who signed up, and the organizer's staff, of tomorrow's activities."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--today", help="remind as of this day (YYYY-MM-DD); default today")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"]:
            try:
                today = datetime.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError("--today takes a date as YYYY-MM-DD.") from exc
        counts = actions.send_reminders(by=SYSTEM, today=today)
        for key, value in counts.items():
            self.stdout.write(f"{key:<24} {value}")
