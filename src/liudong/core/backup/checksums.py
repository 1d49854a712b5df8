"""Row counts and a checksum of every table, the same way before a backup and after a restore.

Each table's rows are read in primary-key order (a table without one: its rows' digests
sorted) through a plain DB-API cursor, every value written in one text form whatever the
driver returned (a date as ISO text, a time stamp in UTC, bytes as hex, JSON with sorted
keys), each row as a line of JSON, and the lines hashed with SHA-256. No database function
(``md5(string_agg(…))``) is used, so the same code checks SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

BATCH = 2000


@dataclass(frozen=True)
class TableSum:
    rows: int
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "sha256": self.sha256}


def _value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value.normalize()) if value.is_finite() else str(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return f"{value.total_seconds()!r}s"
    if isinstance(value, bytes | bytearray | memoryview):
        return "x:" + bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return str(value)


def row_line(row: Iterable[Any]) -> bytes:
    """One row as the bytes hashed: a JSON array of its values in the one text form."""
    values = [_value(value) for value in row]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _rows(cursor: Any) -> Iterator[Any]:
    while True:
        batch = cursor.fetchmany(BATCH)
        if not batch:
            return
        yield from batch


def digest(rows: Iterable[Any], *, ordered: bool) -> TableSum:
    """Count and hash rows; unordered rows are hashed as their sorted line digests."""
    total = hashlib.sha256()
    count = 0
    if ordered:
        for row in rows:
            total.update(row_line(row))
            count += 1
        return TableSum(count, total.hexdigest())
    lines = sorted(hashlib.sha256(row_line(row)).digest() for row in rows)
    for line in lines:
        total.update(line)
    return TableSum(len(lines), total.hexdigest())


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- SQLite (a sqlite3 connection of the standard library) --------------------------------


def sqlite_tables(db: Any) -> list[str]:
    found = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall()
    return [name for (name,) in found]


def _sqlite_key(db: Any, table: str) -> list[str]:
    info = db.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
    return [row[1] for row in sorted((r for r in info if r[5]), key=lambda r: r[5])]


def sqlite_sums(db: Any) -> dict[str, TableSum]:
    """Every table of a SQLite database (``sqlite3.Connection``)."""
    sums = {}
    for table in sqlite_tables(db):
        key = _sqlite_key(db, table)
        order = f" ORDER BY {', '.join(_quote(c) for c in key)}" if key else ""
        cursor = db.execute(f"SELECT * FROM {_quote(table)}{order}")
        sums[table] = digest(_rows(cursor), ordered=bool(key))
    return sums


# --- PostgreSQL (a psycopg connection, inside the transaction that reads) ----------------

PG_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
PG_KEY = """
SELECT a.attname FROM pg_index i
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
WHERE i.indrelid = %s::regclass AND i.indisprimary
ORDER BY array_position(i.indkey, a.attnum)
"""


def pg_tables(conn: Any) -> list[str]:
    with conn.cursor() as cursor:
        cursor.execute(PG_TABLES)
        return [name for (name,) in cursor.fetchall()]


def pg_sums(conn: Any) -> dict[str, TableSum]:
    """Every table of the connection's current schema, read in its open transaction."""
    sums = {}
    for number, table in enumerate(pg_tables(conn)):
        with conn.cursor() as cursor:
            cursor.execute(PG_KEY, [_quote(table)])
            key = [name for (name,) in cursor.fetchall()]
        order = f" ORDER BY {', '.join(_quote(c) for c in key)}" if key else ""
        # A server-side cursor: a big table streams instead of landing in memory at once.
        with conn.cursor(name=f"liudong_checksum_{number}") as cursor:
            cursor.itersize = BATCH
            cursor.execute(f"SELECT * FROM {_quote(table)}{order}")
            sums[table] = digest(_rows(cursor), ordered=bool(key))
    return sums


def differences(expected: dict[str, Any], found: dict[str, TableSum]) -> list[str]:
    """What differs between a manifest's tables and a database's, one line each."""
    lines = []
    for table in sorted(set(expected) | set(found)):
        want, got = expected.get(table), found.get(table)
        if want is None:
            lines.append(f"{table}: not in the archive")
        elif got is None:
            lines.append(f"{table}: missing after the restore")
        elif (want["rows"], want["sha256"]) != (got.rows, got.sha256):
            lines.append(f"{table}: {want['rows']} rows in the archive, {got.rows} restored")
    return lines
