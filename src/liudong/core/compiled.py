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

A read that depends on the time ("overdue", "this week") is compiled once too: its
queryset is built with :func:`clock` where it would use ``timezone.now()`` (and with
``clock()`` plus or minus a ``timedelta``), and :func:`rows` is given ``now=``: each such
parameter is replaced by ``now`` plus the same difference. At its first compilation the
statement is compiled a second time from another clock, and a parameter that moved without
being marked (derived from the clock other than by adding a ``timedelta``, e.g. the start
of the local day) refuses the read (``ValueError``) instead of freezing a time into it.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from liudong.core import prepared
from liudong.core.scope import path_form

MAX_ENTRIES = 1024  # a small process-level table: cleared when full
# "Now" while a time-dependent read is compiled: a moment no data of ours holds, marked by
# its microseconds, which adding a timedelta of days, hours or minutes keeps.
CLOCK = datetime.datetime(1900, 1, 1, 0, 0, 0, 314159, tzinfo=datetime.UTC)
_OTHER_CLOCK = datetime.datetime(1901, 6, 15, 12, 0, 0, 271828, tzinfo=datetime.UTC)
_compiling = threading.local()


def clock() -> datetime.datetime:
    """ "Now" for a time-dependent read's builder (see the module's docstring)."""
    return getattr(_compiling, "clock", CLOCK)


_NEAR = datetime.timedelta(days=3660)


class Compiled(NamedTuple):
    sql: str | None  # None: the query selects nothing (an empty ``IN``, a scope of none)
    params: tuple[Any, ...]
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]
    # Run as a prepared statement on PostgreSQL (core.prepared): planned once per
    # connection, not on every call (the gate's path form plans several joins). Not when
    # the text holds a literal percent sign, which PREPARE would read doubled.
    preparable: bool = False
    # (position, difference from the clock, adapted as a string) of each time parameter
    clock: tuple[tuple[int, datetime.timedelta, bool], ...] = ()


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
    preparable = "%%" not in sql and sql.count("%s") == len(params)
    return Compiled(sql, tuple(params), converters, preparable)


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
            if compiled.sql is not None and _marked(compiled.params, CLOCK):
                compiled = _with_clock(compiled, build)
        if len(_COMPILED) >= MAX_ENTRIES:
            _COMPILED.clear()
        _COMPILED[full] = compiled
    return compiled


def _moment(value: Any) -> tuple[datetime.datetime, bool] | None:
    """A time parameter as an aware datetime, and whether the backend took it as a string
    (SQLite's adapted form)."""
    if isinstance(value, datetime.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=datetime.UTC)), False
    if isinstance(value, str) and 19 <= len(value) <= 32 and value[4:5] == "-":
        try:
            parsed = datetime.datetime.fromisoformat(value)
        except ValueError:
            return None
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)), True
    return None


def _marked(params: tuple[Any, ...], clock: datetime.datetime) -> dict[int, tuple]:
    found = {}
    for pos, value in enumerate(params):
        moment = _moment(value)
        if moment is None:
            continue
        when, as_text = moment
        if when.microsecond == clock.microsecond and abs(when - clock) < _NEAR:
            found[pos] = (when - clock, as_text)
    return found


def _with_clock(compiled: Compiled, build: Callable[[], QuerySet]) -> Compiled:
    """``compiled`` with its time parameters marked, checked against a second compilation
    from another clock (see the module's docstring)."""
    marks = _marked(compiled.params, CLOCK)
    _compiling.clock = _OTHER_CLOCK
    try:
        other = compile_values(build())
    finally:
        del _compiling.clock
    moved = {
        pos for pos, (a, b) in enumerate(zip(compiled.params, other.params, strict=False)) if a != b
    }
    if other.sql != compiled.sql or moved != set(marks) or _marked(other.params, CLOCK) != {}:
        raise ValueError(
            "a compiled read's time parameters must be compiled.clock() plus a timedelta"
        )
    clock = tuple((pos, delta, as_text) for pos, (delta, as_text) in sorted(marks.items()))
    return compiled._replace(clock=clock)


def _params(compiled: Compiled, now: datetime.datetime | None) -> list[Any]:
    params = list(compiled.params)
    if not compiled.clock:
        return params
    if now is None:
        raise ValueError("this compiled read depends on the time: pass now=")
    for pos, delta, as_text in compiled.clock:
        moment = now + delta
        params[pos] = connection.ops.adapt_datetimefield_value(moment) if as_text else moment
    return params


def rows(
    key: tuple[Hashable, ...],
    build: Callable[[], QuerySet],
    *,
    now: datetime.datetime | None = None,
) -> list[tuple[Any, ...]]:
    """The rows of ``build()`` (a ``values_list`` queryset, columns in the order listed),
    as tuples. ``build`` runs only the first time a key is seen in this process; a read
    built with :func:`clock` is given the time to read at as ``now``."""
    compiled = statement(key, build)
    if compiled.sql is None:
        return []
    params = _params(compiled, now)
    with connection.cursor() as cursor:
        if compiled.preparable:
            prepared.execute(cursor, "liudong_compiled", compiled.sql, params)
        else:
            cursor.execute(compiled.sql, params)
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
