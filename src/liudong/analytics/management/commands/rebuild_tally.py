"""Check the statistics rollup against the flow records and mend it (cron, after loads)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from liudong.analytics import rollup
from liudong.core.scope import SYSTEM


class Command(BaseCommand):
    help = (
        "Recount the statistics rollup (open flow records per side, direction, scope, "
        "status and destination prefecture) from the records, report the drift and mend it. "
        "The nightly snapshot runs it; run it after any load that bypassed the triggers."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        s = rollup.rebuild(by=SYSTEM)
        self.stdout.write(
            f"Rollup: {s['keys']} keys, {s['records']} open records; drift: {s['drift_keys']} "
            f"keys, {s['drift_records']} records (mended); {s['removed_rows']} empty rows "
            f"removed; {s['seconds']} s."
        )
