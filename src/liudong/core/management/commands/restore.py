"""``liudong restore <archive>``: into an empty database only; checks every member's
checksum first and every table's after (docs/operations.md "Backup and restore")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from liudong.core.backup import archive
from liudong.core.backup.database import POSTGRESQL, BackupError, vendor_of


class Command(BaseCommand):
    help = (
        "Restore a `liudong backup` archive into an EMPTY database (refuses one holding "
        "tables) and the private storage, then compare every table with the manifest."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--accept-other-key",
            action="store_true",
            help="restore even though the archive was made under another field key",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        alias = options["database"]
        if not options["archive"].is_file():
            raise CommandError(f"no such archive: {options['archive']}")
        try:
            done = archive.restore(
                options["archive"],
                alias,
                accept_other_key=options["accept_other_key"],
                say=lambda line: self.stdout.write(line) if options["verbosity"] > 1 else None,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for warning in done.warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}"))
        self.stdout.write(
            f"Restored {done.tables} tables ({done.rows} rows, every checksum equal to the "
            f"archive's) and {done.files} files ({done.skipped_files} already there) in "
            f"{done.seconds:.1f} s."
        )
        if vendor_of(alias) == POSTGRESQL:
            self.stdout.write(
                "Objects belong to the role that restored them and carry no grants: run "
                "`liudong grant_app_role <application role>` now."
            )
