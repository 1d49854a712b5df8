"""``liudong backup``: the database and the private files in one archive, the field key
kept apart (docs/operations.md "Backup and restore"; decisions 185–187)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from liudong.core.backup import archive
from liudong.core.backup.database import BackupError


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump or SQLite's backup API) and the private files into "
        "one tar archive with a manifest (migrations, row counts and checksums per table, a "
        "fingerprint of the field key). The field key is not in it: keep it apart."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "-o",
            "--output",
            type=Path,
            default=None,
            help="archive to write (default: VAR_DIR/backups/liudong-<vendor>-<time>.tar)",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--no-files",
            action="store_true",
            help="the database only (the private storage is backed up on its own)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = archive.make(
                options["database"], options["output"], with_files=not options["no_files"]
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Backed up {done.tables} tables ({done.rows} rows) and {done.files} files "
            f"into {done.path} ({done.bytes / 1048576:.1f} MB) in {done.seconds:.1f} s. "
            "The field key is not in it: keep LIUDONG_FIELD_KEY apart."
        )
