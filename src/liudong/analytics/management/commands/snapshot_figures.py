"""Keep the day's key figures per organization (cron: once a day, late evening)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from liudong.analytics import actions
from liudong.core.scope import SYSTEM


class Command(BaseCommand):
    help = "Snapshot the key figures of the city, its counties and townships for a day."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--day", help="YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options["day"]:
            try:
                day = datetime.date.fromisoformat(options["day"])
            except ValueError as exc:
                raise CommandError("Give the day as YYYY-MM-DD.") from exc
        summary = actions.take_snapshots(day, by=SYSTEM)
        self.stdout.write(
            f"Snapshots for {summary['day']}: {summary['organizations']} organizations."
        )
