"""``flush`` erases every table, the audit trail included, on SQLite too.

On SQLite a trigger refuses deleting audit rows younger than 180 days (migration 0004),
and Django's flush empties tables with DELETE. Flushing is erasing the whole database (as
PostgreSQL's flush does with TRUNCATE, which row triggers do not see), so the trigger is
lifted for the flush only and made again from its own stored text. The test suite's flush
between transactional tests is this command (decision 58).
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import connections

GUARD = "core_auditevent_keep_recent"


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [GUARD]
            )
            row = cursor.fetchone()
        if row is None:
            return super().handle(**options)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER {GUARD}")
        try:
            return super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute(row[0])
