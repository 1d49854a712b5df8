"""Remove audit rows older than the retention period (never fewer than 180 days)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from liudong.core import audit
from liudong.core.models import AuditEvent


class Command(BaseCommand):
    help = "Purge audit rows older than LIUDONG_AUDIT_RETENTION_DAYS (minimum 180)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="keep this many days (default: the retention setting)",
        )
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"] if options["days"] is not None else settings.AUDIT_RETENTION_DAYS
        minimum = settings.AUDIT_MIN_RETENTION_DAYS
        if days < minimum:
            raise CommandError(
                f"Refusing to keep fewer than {minimum} days of audit trail "
                "(Cybersecurity Law §21: at least six months)."
            )
        cutoff = timezone.now() - timedelta(days=days)
        doomed = AuditEvent.objects.filter(at__lt=cutoff)
        count = doomed.count()
        if options["dry_run"]:
            self.stdout.write(f"{count} audit rows older than {cutoff:%Y-%m-%d} would be purged.")
            return
        removed = AuditEvent.objects.purge_before(cutoff)
        with audit.action("audit.purge"):
            audit.record("action", detail=f"purged {removed} rows older than {cutoff:%Y-%m-%d}")
        self.stdout.write(f"Purged {removed} audit rows older than {cutoff:%Y-%m-%d}.")
