"""Compiled SQL of small gated reads, kept per process: built and compiled once per key.

Building a queryset through the scope gate and compiling it costs more than the database
spends on a small read (an organization's tree, its stations, its alerts): a dashboard
runs several such reads on every uncached view. :func:`rows` keeps the compiled SQL, its
parameters and the columns' converters under a key and runs the statement on the cursor;
the rows themselves are read on every call (nothing of the data is cached).

The key must hold everything the SQL depends on besides the model and the read's code:
the gate's key of the user (:func:`liudong.core.scope.gate_key`) and every value the
queryset is built from (ids, paths, filters). Two calls with the same key run the same
statement; a value left out of the key would let one scope's SQL answer another's.
The key also holds the connection's alias and vendor. The converters are the backend's
and the fields' functions as compiled (stateless value conversions); each call passes
them the current thread's connection.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from liudong.core.scope import path_form

MAX_ENTRIES = 1024  # a small process-level table: cleared when full


class Compiled(NamedTuple):
    sql: str | None  # None: the query selects nothing (an empty ``IN``, a scope of none)
    params: tuple[Any, ...]
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]


_COMPILED: dict[tuple[Hashable, ...], Compiled] = {}


def compile_values(queryset: QuerySet) -> Compiled:
    """A ``values_list`` queryset's SQL, parameters and its columns' converters (what the
    ORM applies to each row: SQLite's booleans and decimals, for instance)."""
    compiler = queryset.query.get_compiler(connection=connection)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return Compiled(None, (), ())
    fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
    converters = tuple(
        (pos, tuple(funcs), expression)
        for pos, (funcs, expression) in compiler.get_converters(fields).items()
    )
    return Compiled(sql, tuple(params), converters)


def statement(key: tuple[Hashable, ...], build: Callable[[], QuerySet]) -> Compiled:
    """The compiled form of ``build()`` (a ``values_list`` queryset) kept under ``key``:
    for a reader that runs it as a subquery of a statement of its own."""
    full = (connection.alias, connection.vendor, *key)
    compiled = _COMPILED.get(full)
    if compiled is None:
        # Kept beyond this request: the gate's conditions as paths, not a subtree's ids
        # of today (they would go stale as the tree grows).
        with path_form():
            compiled = compile_values(build())
        if len(_COMPILED) >= MAX_ENTRIES:
            _COMPILED.clear()
        _COMPILED[full] = compiled
    return compiled


def rows(key: tuple[Hashable, ...], build: Callable[[], QuerySet]) -> list[tuple[Any, ...]]:
    """The rows of ``build()`` (a ``values_list`` queryset, columns in the order listed),
    as tuples. ``build`` runs only the first time a key is seen in this process."""
    compiled = statement(key, build)
    if compiled.sql is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, compiled.params)
        found = cursor.fetchall()
    if not compiled.converters:
        return found
    converted = []
    for row in found:
        values = list(row)
        for pos, funcs, expression in compiled.converters:
            value = values[pos]
            for func in funcs:
                value = func(value, expression, connection)
            values[pos] = value
        converted.append(tuple(values))
    return converted


def clear() -> None:
    """Forget every compiled statement (tests)."""
    _COMPILED.clear()
