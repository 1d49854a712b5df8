"""``liudong flag_arrears``: notify home branches of dues arrears (for cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from liudong.core.scope import SYSTEM


class Command(BaseCommand):
    help = "Notify each home branch of its members owing three months or more of party dues."

    def handle(self, *args: Any, **options: Any) -> None:
        from liudong.cycle import actions

        sent = actions.flag_arrears(by=SYSTEM)
        self.stdout.write(f"Arrears: {sent} notifications sent.")
