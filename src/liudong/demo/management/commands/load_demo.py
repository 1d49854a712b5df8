"""Load places, code tables, the Pingliang demo tree and accounts; print the demo logins."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from liudong.demo import tree
from liudong.regions.models import Place


class Command(BaseCommand):
    help = "Load the Pingliang demo data set (idempotent: a second run reuses what exists)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="allow in production")
        parser.add_argument("--quiet-logins", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION and not options["force"]:
            raise CommandError("Refusing to load demo data with LIUDONG_ENV=production.")
        if not Place.objects.exists():
            call_command("load_places", verbosity=options["verbosity"])
        call_command("load_codes", verbosity=0)
        logins = tree.build()
        if options["quiet_logins"]:
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready. Demo logins (password for all: {tree.DEMO_PASSWORD}):"
            )
        )
        for login in logins:
            self.stdout.write(f"  {login.username:<14} {login.role:<17} {login.organization}")
