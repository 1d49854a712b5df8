"""Statements run again and again with new values (the check-in's, a notification's): on
PostgreSQL prepared once per connection and executed by name, so neither the driver nor
the server parses and plans their text each time."""

from __future__ import annotations

import re
import weakref
import zlib
from typing import Any

from django.db import connection

_PREPARED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
_NAMES: dict[tuple[str, str], str] = {}  # (name, text) → the statement's name, made once


def execute(cursor: Any, name: str, sql: str, params: list[Any]) -> None:
    """Run ``sql`` with ``params``; on PostgreSQL as the prepared statement ``name``."""
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    named = _NAMES.get((name, sql))  # a text's hash is kept by the string: no re-reading
    if named is None:
        if len(_NAMES) >= 4096:  # texts are few; never a table that grows without end
            _NAMES.clear()
        # Another text, another statement.
        named = _NAMES[name, sql] = f"{name}_{zlib.crc32(sql.encode()):08x}"
    name = named
    prepared = _PREPARED.setdefault(connection.connection, set())
    if name not in prepared:
        numbered = iter(range(1, len(params) + 1))
        cursor.execute(f"PREPARE {name} AS " + re.sub("%s", lambda _m: f"${next(numbered)}", sql))
        prepared.add(name)
    if not params:  # PostgreSQL refuses an empty list of values
        cursor.execute(f"EXECUTE {name}")
        return
    cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)
