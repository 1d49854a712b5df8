"""Send the background tasks kept while the broker (Redis) was away (decision 174)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Send the background tasks kept in the database while Redis was unavailable."

    def handle(self, *args: Any, **options: Any) -> None:
        from liudong.core import outbox
        from liudong.core.models import TaskOutbox

        sent = outbox.flush()
        left = TaskOutbox.objects.count()
        self.stdout.write(f"sent {sent}, still kept {left}")
