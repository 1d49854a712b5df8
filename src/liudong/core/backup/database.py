"""The database half of a backup: a consistent copy, its checksums, and putting it back.

PostgreSQL: ``pg_dump`` (custom format) reads the snapshot of a repeatable-read transaction
that this module opened and exported (``pg_export_snapshot``), and the checksums are read in
that same transaction, so they describe exactly what the dump holds while the service keeps
writing. ``pg_restore`` puts it back in one transaction, the restoring role owning every
object (``--no-owner``) and without the grants (the application role may not exist on the
new server: ``liudong grant_app_role`` gives them again); the audit purge function's
``REVOKE … FROM PUBLIC`` (core migration 0004) is made again at once.

SQLite: the standard library's online backup API copies the file page by page (a consistent
copy while the service runs), and the checksums are read from the copy.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connections

from liudong.core.backup.checksums import TableSum, pg_sums, sqlite_sums

POSTGRESQL = "postgresql"
SQLITE = "sqlite"
FILES = {POSTGRESQL: "database.pgdump", SQLITE: "database.sqlite3"}
MIGRATIONS = "SELECT app, name FROM django_migrations ORDER BY id"


class BackupError(Exception):
    """A backup or restore that cannot go on, with the reason for the operator."""


@dataclass
class Dumped:
    vendor: str
    path: Path
    sums: dict[str, TableSum]
    migrations: list[str]
    server: str = ""
    notes: list[str] = field(default_factory=list)


def vendor_of(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in FILES:
        raise BackupError(f"backups support PostgreSQL and SQLite, not {vendor}")
    return vendor


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    pairs = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
    }
    options = settings_dict.get("OPTIONS") or {}
    for option in ("sslmode", "sslrootcert", "sslcert", "sslkey", "passfile", "service"):
        if options.get(option):
            pairs[f"PG{option.upper()}"] = options[option]
    env.update({key: str(value) for key, value in pairs.items() if value})
    return env


def pg_tool(name: str, server_major: int | None = None) -> str:
    """``pg_dump`` or ``pg_restore``: ``LIUDONG_PG_BIN``, the server's version's folder
    (Debian's /usr/lib/postgresql/<major>/bin), then the PATH."""
    folders = [os.environ.get("LIUDONG_PG_BIN", "")]
    if server_major:
        folders.append(f"/usr/lib/postgresql/{server_major}/bin")
    for folder in filter(None, folders):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install the PostgreSQL client or set LIUDONG_PG_BIN")
    return found


@contextlib.contextmanager
def pg_connection(alias: str) -> Iterator[Any]:
    """A connection of its own (never the request's), closed afterwards."""
    wrapper = connections[alias]
    conn = wrapper.get_new_connection(wrapper.get_connection_params())
    try:
        yield conn
    finally:
        conn.close()


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise BackupError(f"{what} failed: {done.stderr.strip()[-2000:]}")


def pg_dump(alias: str, target: Path) -> Dumped:
    import psycopg

    settings_dict = connections[alias].settings_dict
    with pg_connection(alias) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server = cursor.fetchone()
            cursor.execute(MIGRATIONS)
            migrations = [f"{app}.{name}" for app, name in cursor.fetchall()]
        major = conn.info.server_version // 10000
        command = [pg_tool("pg_dump", major), "--format=custom", f"--snapshot={snapshot}"]
        command += ["--no-password", f"--file={target}"]
        # The dump reads the exported snapshot while this transaction stays open, and the
        # checksums are read meanwhile from the same snapshot.
        process = subprocess.Popen(
            command, env=_pg_env(settings_dict), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            sums = pg_sums(conn)
        except BaseException:
            process.kill()
            process.wait()
            raise
        _out, err = process.communicate()
        conn.rollback()
    if process.returncode:
        raise BackupError(f"pg_dump failed: {err.decode(errors='replace').strip()[-2000:]}")
    return Dumped(POSTGRESQL, target, sums, migrations, server=f"PostgreSQL {server}")


PG_OBJECTS = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%'
  AND n.nspname NOT LIKE 'pg_temp%%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
"""
PURGE_FUNCTION = "core_auditevent_purge(timestamptz)"


def pg_objects(alias: str) -> int:
    with pg_connection(alias) as conn, conn.cursor() as cursor:
        cursor.execute(PG_OBJECTS)
        return cursor.fetchone()[0]


def pg_restore(alias: str, source: Path) -> dict[str, TableSum]:
    settings_dict = connections[alias].settings_dict
    connections[alias].close()
    with pg_connection(alias) as conn:
        major = conn.info.server_version // 10000
    command = [pg_tool("pg_restore", major), "--exit-on-error", "--single-transaction"]
    command += ["--no-owner", "--no-privileges", "--no-password"]
    command += [f"--dbname={settings_dict['NAME']}", str(source)]
    _run(command, _pg_env(settings_dict), "pg_restore")
    with pg_connection(alias) as conn:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT to_regprocedure(%s)", [PURGE_FUNCTION])
            if cursor.fetchone()[0] is not None:
                cursor.execute(f"REVOKE ALL ON FUNCTION {PURGE_FUNCTION} FROM PUBLIC")
            cursor.execute("ANALYZE")
    return pg_checksums(alias)


def pg_checksums(alias: str) -> dict[str, TableSum]:
    import psycopg

    with pg_connection(alias) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        sums = pg_sums(conn)
        conn.rollback()
    return sums


# --- SQLite -------------------------------------------------------------------------------


def sqlite_path(alias: str) -> Path:
    name = str(connections[alias].settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(name)


def sqlite_dump(alias: str, target: Path) -> Dumped:
    source = sqlite3.connect(sqlite_path(alias))
    try:
        copy = sqlite3.connect(target)
        with copy:
            source.backup(copy)
        copy.close()
    finally:
        source.close()
    copy = sqlite3.connect(target)
    try:
        (verdict,) = copy.execute("PRAGMA quick_check").fetchone()
        if verdict != "ok":
            raise BackupError(f"the copy fails SQLite's check: {verdict}")
        migrations = [f"{app}.{name}" for app, name in copy.execute(MIGRATIONS)]
        sums = sqlite_sums(copy)
        version = copy.execute("SELECT sqlite_version()").fetchone()[0]
    finally:
        copy.close()
    return Dumped(SQLITE, target, sums, migrations, server=f"SQLite {version}")


def sqlite_tables_in(path: Path) -> int:
    if not path.exists() or path.stat().st_size == 0:
        return 0
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    finally:
        db.close()


def sqlite_restore(alias: str, source: Path) -> dict[str, TableSum]:
    target = sqlite_path(alias)
    connections[alias].close()
    target.parent.mkdir(parents=True, exist_ok=True)
    archived = sqlite3.connect(source)
    try:
        restored = sqlite3.connect(target)
        with restored:
            archived.backup(restored)
        restored.close()
    finally:
        archived.close()
    return sqlite_checksums(alias)


def sqlite_checksums(alias: str) -> dict[str, TableSum]:
    db = sqlite3.connect(sqlite_path(alias))
    try:
        return sqlite_sums(db)
    finally:
        db.close()


# --- either -------------------------------------------------------------------------------


def dump(alias: str, target_dir: Path) -> Dumped:
    vendor = vendor_of(alias)
    target = target_dir / FILES[vendor]
    return pg_dump(alias, target) if vendor == POSTGRESQL else sqlite_dump(alias, target)


def objects_in(alias: str) -> int:
    """Tables (and views, sequences) already in the database: a restore needs none."""
    if vendor_of(alias) == POSTGRESQL:
        return pg_objects(alias)
    return sqlite_tables_in(sqlite_path(alias))


def restore(alias: str, source: Path) -> dict[str, TableSum]:
    if vendor_of(alias) == POSTGRESQL:
        return pg_restore(alias, source)
    return sqlite_restore(alias, source)


def checksums(alias: str) -> dict[str, TableSum]:
    """The checksums of the database as committed (a connection of its own)."""
    if vendor_of(alias) == POSTGRESQL:
        return pg_checksums(alias)
    return sqlite_checksums(alias)


def applied_migrations(alias: str) -> list[str]:
    if vendor_of(alias) == POSTGRESQL:
        with pg_connection(alias) as conn, conn.cursor() as cursor:
            cursor.execute(MIGRATIONS)
            rows = cursor.fetchall()
    else:
        db = sqlite3.connect(sqlite_path(alias))
        try:
            rows = db.execute(MIGRATIONS).fetchall()
        finally:
            db.close()
    return [f"{app}.{name}" for app, name in rows]
