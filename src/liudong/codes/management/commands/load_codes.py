"""`liudong load_codes`: add missing built-in codes and refresh their names; never deletes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from liudong.codes.data import load_codes


class Command(BaseCommand):
    help = (
        "Add missing built-in code tables and codes and refresh built-in names, and the "
        "holiday calendar's days the chinesecalendar package knows. Codes and days added "
        "by administrators are kept; nothing is deleted."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        from liudong.codes.models import CalendarDay
        from liudong.codes.workdays import seed_from_package

        result = load_codes()
        days = seed_from_package(CalendarDay)
        self.stdout.write(
            self.style.SUCCESS(f"Built-in codes loaded ({result}); calendar days added: {days}.")
        )
