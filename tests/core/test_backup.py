"""``liudong backup`` and ``liudong restore`` round-trip the demo (issue 16, item 7).

The test database's demo (committed when the session began) is backed up with a few private
files, restored into a new database (SQLite: a new file; PostgreSQL: a second database
created next to the test database) and a new storage, and compared table by table (row
counts and checksums computed here, independently of the manifest) and file by file. The
triggers come back working: a new flow record moves the rollup, and the audit trail refuses
a delete. A non-empty database, a damaged archive and another field key are refused before
anything is written.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connections
from django.test import override_settings
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from liudong.census import files as census_files
from liudong.core import uploads
from liudong.core.backup import archive, database

# In the database-test group, so these run before the transactional tests (which flush the
# session's demo); every read and write here is on connections of its own.
pytestmark = pytest.mark.django_db

SOURCE = "default"
RESTORED = "restored"


def _storage(location: Path) -> dict[str, Any]:
    from django.conf import settings

    return {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }


MARKER = "LIUDONG-BACKUP-MARKER"


def _png() -> bytes:
    """A PNG with a marker in a text chunk: in clear in its bytes, never in the archive."""
    info = PngInfo()
    info.add_text("Comment", MARKER)
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (180, 20, 20)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def _files(storage: Any) -> dict[str, bytes]:
    return {name: storage.open(name).read() for name in archive.walk(storage)}


@pytest.fixture(scope="module")
def made(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[dict[str, Any]]:
    """The archive of the committed demo and a few private files, made once."""
    from liudong.orgs.models import Organization
    from tests.conftest import _load_reference_and_demo

    folder = tmp_path_factory.mktemp("backup")
    with django_db_blocker.unblock():
        if not Organization.objects.filter(code="620800").exists():
            _load_reference_and_demo()  # a transactional test flushed it: build it again
    with django_db_blocker.unblock(), override_settings(STORAGES=_storage(folder / "source")):
        photo = uploads.check(SimpleUploadedFile("现场.png", _png()))
        photo_name = uploads.store(photo, "assistance")
        census_files.write_encrypted(io.BytesIO(b"census workbook bytes " * 1000))
        kept = _files(uploads.private_storage())
        out = io.StringIO()
        call_command("backup", output=folder / "demo.tar", stdout=out)
        sums = database.checksums(SOURCE)
    print(out.getvalue().strip())
    yield {
        "path": folder / "demo.tar",
        "files": kept,
        "sums": sums,
        "folder": folder,
        "photo": (photo_name, photo.data),
    }


@pytest.fixture
def restored_alias(django_db_blocker: Any, tmp_path: Path) -> Iterator[str]:
    """A new, empty database beside the test database, as the alias ``restored``."""
    source = connections[SOURCE].settings_dict
    config = dict(source)
    with django_db_blocker.unblock():
        if connections[SOURCE].vendor == "postgresql":
            config["NAME"] = f"{source['NAME']}_restore"[:63]
            with connections[SOURCE]._nodb_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}"')
                cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
        else:
            config["NAME"] = str(tmp_path / "restored.sqlite3")
        connections.settings[RESTORED] = config
        try:
            yield RESTORED
        finally:
            connections[RESTORED].close()
            del connections[RESTORED]
            del connections.settings[RESTORED]
            if connections[SOURCE].vendor == "postgresql":
                with connections[SOURCE]._nodb_cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')


def _tally(cursor: Any) -> int:
    cursor.execute("SELECT coalesce(sum(n), 0) FROM analytics_flowtally")
    return int(cursor.fetchone()[0])


def _close_and_reopen(cursor: Any) -> tuple[int, int, int]:
    """The rollup before, after closing an open stay (an UPDATE), and after inserting a new
    open stay for the same member (an INSERT, a copy of it)."""
    before = _tally(cursor)
    cursor.execute("SELECT id FROM members_flowrecord WHERE is_open ORDER BY id LIMIT 1")
    (pk,) = cursor.fetchone()
    cursor.execute(
        "UPDATE members_flowrecord SET is_open = FALSE, status = 'returned', "
        "closed_on = status_changed_on WHERE id = %s",
        [pk],
    )
    closed = _tally(cursor)
    cursor.execute("SELECT * FROM members_flowrecord WHERE 1 = 0")
    columns = [c[0] for c in cursor.description if c[0] != "id"]
    values = {"is_open": "TRUE", "status": "'registered'", "closed_on": "NULL"}
    picked = ", ".join(values.get(c, c) for c in columns)
    cursor.execute(
        f"INSERT INTO members_flowrecord ({', '.join(columns)}) "
        f"SELECT {picked} FROM members_flowrecord WHERE id = %s",
        [pk],
    )
    return before, closed, _tally(cursor)


def test_the_demo_round_trips_with_its_files_and_triggers(
    made: dict[str, Any], restored_alias: str, django_db_blocker: Any, tmp_path: Path
) -> None:
    with tarfile.open(made["path"]) as tar:
        manifest = archive.read_manifest(tar)
    tables = manifest["tables"]
    assert tables["members_member"]["rows"] > 100 and tables["core_auditevent"]["rows"] > 0
    from django.conf import settings

    assert settings.LIUDONG_FIELD_KEY.encode() not in made["path"].read_bytes()
    assert MARKER.encode() not in made["path"].read_bytes()  # the upload is sealed in it
    assert made["path"].stat().st_mode & 0o777 == 0o600  # personal data: the owner only
    assert manifest["field_key"]["fingerprint"] == archive.key_fingerprint()
    assert "core.0004_audit_purge_function_and_delete_guard" in manifest["migrations"]
    # The manifest describes the database as it was: every table, counted and hashed here.
    assert {name: (s.rows, s.sha256) for name, s in made["sums"].items()} == {
        name: (t["rows"], t["sha256"]) for name, t in tables.items()
    }
    target = tmp_path / "target"
    with django_db_blocker.unblock(), override_settings(STORAGES=_storage(target)):
        out = io.StringIO()
        call_command("restore", str(made["path"]), database=restored_alias, stdout=out)
        restored_files = _files(uploads.private_storage())
        after = database.checksums(restored_alias)
        assert after == made["sums"]
        assert restored_files == made["files"] and len(restored_files) == 2
        photo_name, photo_bytes = made["photo"]
        with uploads.open_kept(photo_name) as kept:  # readable with the same keys
            assert kept.read() == photo_bytes
        with connections[restored_alias].cursor() as cursor:
            before, closed, inserted = _close_and_reopen(cursor)
            assert closed == before - 1, "the rollup's trigger took the closed stay out"
            assert inserted == before, "the rollup's trigger counted the inserted stay"
            cursor.execute("SELECT count(*) FROM core_auditevent")
            audit_rows = cursor.fetchone()[0]
            with pytest.raises(DatabaseError, match="180 days"):
                cursor.execute(
                    "DELETE FROM core_auditevent WHERE id = (SELECT max(id) FROM core_auditevent)"
                )
        connections[restored_alias].close()
        with connections[restored_alias].cursor() as cursor:
            cursor.execute("SELECT count(*) FROM core_auditevent")
            assert cursor.fetchone()[0] == audit_rows
        # Now it holds data: a second restore is refused.
        with pytest.raises(CommandError, match="not empty"):
            call_command("restore", str(made["path"]), database=restored_alias)
    rows = sum(t["rows"] for t in tables.values())
    print(out.getvalue().strip())
    print(f"round trip: {len(tables)} tables, {rows} rows, {len(restored_files)} files equal")


def test_a_database_holding_tables_is_refused_before_anything_is_written(
    made: dict[str, Any], django_db_blocker: Any, tmp_path: Path
) -> None:
    with django_db_blocker.unblock(), override_settings(STORAGES=_storage(tmp_path / "t")):
        before = database.checksums(SOURCE)
        with pytest.raises(CommandError, match="not empty"):
            call_command("restore", str(made["path"]), database=SOURCE)
        assert database.checksums(SOURCE) == before
        assert not (tmp_path / "t").exists()


def test_a_damaged_archive_is_refused(
    made: dict[str, Any], django_db_blocker: Any, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged.tar"
    data = bytearray(made["path"].read_bytes())
    with tarfile.open(made["path"]) as tar:
        member = next(m for m in tar.getmembers() if m.name.startswith("files/census/"))
    data[member.offset_data + 100] ^= 0xFF  # one byte of the encrypted census file
    damaged.write_bytes(bytes(data))
    with django_db_blocker.unblock(), pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(damaged), database=SOURCE)


def test_an_archive_made_under_another_field_key_is_refused(
    made: dict[str, Any], django_db_blocker: Any, settings: Any
) -> None:
    with tarfile.open(made["path"]) as tar:
        fingerprint = archive.read_manifest(tar)["field_key"]["fingerprint"]
    settings.LIUDONG_FIELD_KEY = "another-key-another-key-another-key-0123456"
    assert archive.key_fingerprint() != fingerprint
    with django_db_blocker.unblock(), pytest.raises(CommandError, match="another field key"):
        call_command("restore", str(made["path"]), database=SOURCE)


def test_the_migration_state_is_compared_with_the_code(made: dict[str, Any]) -> None:
    with tarfile.open(made["path"]) as tar:
        applied = archive.read_manifest(tar)["migrations"]
    assert archive.migration_notes(applied) == []
    older = archive.migration_notes([m for m in applied if not m.startswith("census.")])
    assert len(older) == 1 and "liudong migrate" in older[0]
    newer = archive.migration_notes([*applied, "core.9999_from_a_newer_version"])
    assert len(newer) == 1 and "newer version" in newer[0]
