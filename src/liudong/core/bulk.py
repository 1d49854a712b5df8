"""Plain inserts of many rows: COPY on PostgreSQL, multi-row INSERT elsewhere.

For set-based writers whose rows were checked by the domain's own rules: no model
instances, no signals (the writer records its audit rows itself); the database's
constraints still apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

SQLITE_VARIABLES = 32766  # SQLite >= 3.32's limit of parameters in one statement


def _names(model: type[models.Model], columns: Sequence[str]) -> tuple[str, str]:
    quote = connection.ops.quote_name
    return quote(model._meta.db_table), ", ".join(quote(c) for c in columns)


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning_ids: bool = False,
) -> list[int]:
    """Insert ``rows`` (values in ``columns``' order, as the database takes them) into
    ``model``'s table; with ``returning_ids``, the new rows' primary keys in the rows'
    order (PostgreSQL: drawn from the table's sequence first, then copied with the rows;
    elsewhere: ``INSERT … RETURNING``)."""
    if not rows:
        return []
    table, names = _names(model, columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids: list[int] = []
            if returning_ids:
                pk = model._meta.pk.column
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [model._meta.db_table, pk, len(rows)],
                )
                ids = [r[0] for r in cursor.fetchall()]
                table_names = f"{names}, {connection.ops.quote_name(pk)}"
            else:
                table_names = names
            with cursor.cursor.copy(f"COPY {table} ({table_names}) FROM STDIN") as copy:
                if returning_ids:
                    for row, new_id in zip(rows, ids, strict=True):
                        copy.write_row((*row, new_id))
                else:
                    for row in rows:
                        copy.write_row(row)
            return ids
        size = max(1, SQLITE_VARIABLES // len(columns))
        marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
        if not returning_ids:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES {marks}", rows)
            return []
        pk = connection.ops.quote_name(model._meta.pk.column)
        ids = []
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {', '.join([marks] * len(chunk))} "
                f"RETURNING {pk}",
                [value for row in chunk for value in row],
            )
            # One statement's new keys ascend in the rows' order (SQLite does not promise
            # the order RETURNING emits them in).
            ids += sorted(r[0] for r in cursor.fetchall())
        return ids


def update_objects(
    model: type[models.Model], objects: Sequence[models.Model], fields: Sequence[str]
) -> int:
    """Write ``fields`` of each of ``objects`` (model instances with a primary key): one
    ``UPDATE … WHERE pk = %s`` per object, sent as one batch (``executemany``; pipelined on
    PostgreSQL). The values go through each field's own preparation (encryption, dates),
    as a save would; no signals. Returns the number of objects. The ORM's ``bulk_update``
    builds one ``CASE`` per column over the whole batch instead, which the databases
    evaluate row by row: several times slower for thousands of rows."""
    if not objects or not fields:
        return 0
    db_fields = [model._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(f.column)} = %s" for f in db_fields)
    pk = model._meta.pk
    sql = f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {quote(pk.column)} = %s"
    rows = [
        [f.get_db_prep_save(getattr(o, f.attname), connection) for f in db_fields] + [o.pk]
        for o in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return len(rows)
