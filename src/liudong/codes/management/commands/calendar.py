"""`liudong calendar import FILE [--dry-run]`: enter a year's holiday announcement;
`liudong calendar show YEAR`: the year's holidays and adjusted working days, or that the
year is missing (its deadlines then count Monday–Friday)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from liudong.codes import actions, calendar_import, workdays
from liudong.codes.models import CalendarDay
from liudong.core.errors import DomainError
from liudong.core.scope import SYSTEM


class Command(BaseCommand):
    help = "The holiday calendar: import a year's State Council announcement, or show a year."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="enter the days a text file lists")
        imp.add_argument("file", type=Path)
        imp.add_argument("--dry-run", action="store_true", help="only check and list")
        show = sub.add_parser("show", help="list a year's days")
        show.add_argument("year", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "show":
            self._show(options["year"])
            return
        try:
            text = options["file"].read_text(encoding="utf-8")
            days = calendar_import.parse(text)
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror}") from exc
        except (DomainError, UnicodeDecodeError) as exc:
            raise CommandError(str(getattr(exc, "message", exc))) from exc
        for day, kind, name in days:
            self.stdout.write(f"{day.isoformat()}  {kind:<17} {name}")
        if options["dry_run"]:
            self.stdout.write(f"{len(days)} days checked; nothing written (--dry-run).")
            return
        counts = actions.set_calendar_days(by=SYSTEM, days=days)
        self.stdout.write(
            f"added {counts['added']}, changed {counts['changed']}, unchanged {counts['unchanged']}"
        )

    def _show(self, year: int) -> None:
        if workdays.calendar_missing(year):
            self.stdout.write(f"{year}: missing (Monday–Friday until it is entered)")
            return
        for day in CalendarDay.objects.filter(date__year=year).order_by("date"):
            self.stdout.write(f"{day.date.isoformat()}  {day.kind:<17} {day.name}")
