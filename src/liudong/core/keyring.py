"""What `liudong rotate-field-key` walks: the encrypted fields, the blind indexes and the
encrypted files, and which index key the stored indexes are under while a rotation runs.

Core imports no app. The encrypted fields are found on the models (every
:class:`~liudong.core.fields.EncryptedCharField`); an app registers its blind indexes and
its encrypted files in a ``keyring.py`` module beside its models (see
:mod:`liudong.core.registry`). Each blind index ``x_index`` has a sibling ``x_index_next``
(empty outside a rotation): the rotation fills it under the new index key, then swaps the
two columns of every table in one transaction, so each unique index holds one key's hashes
at any time (decisions 189–192).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, models, transaction

from liudong.core import crypto
from liudong.core.registry import Registry


@dataclass(frozen=True)
class BlindIndex:
    """A blind-index column of a model. ``source``: the encrypted field holding the value
    hashed (``plain`` turns the field's plaintext into it); without one, ``remap`` names
    ``"app.Model.column"`` indexes of the same purpose holding the same people, and the new
    hash is taken from their rows (the old hash joins them)."""

    key: str  # "app.Model.column"
    purpose: str
    source: str = ""
    plain: Callable[[str], str] | None = None
    remap: tuple[str, ...] = ()
    on_swap: Callable[[Any], None] | None = None  # run in the swap's transaction
    order: int = 100

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.key.rsplit(".", 1)[0])

    @property
    def column(self) -> str:
        return self.model._meta.get_field(self.key.rsplit(".", 1)[1]).column

    @property
    def next_column(self) -> str:
        return self.model._meta.get_field(self.key.rsplit(".", 1)[1] + "_next").column

    def value_of(self, plaintext: str) -> str:
        return self.plain(plaintext) if self.plain is not None else plaintext


@dataclass(frozen=True)
class FileStore:
    """Encrypted files of an app: ``count()`` -> files per key id ("" = the legacy key),
    ``rotate()`` -> how many it wrote again under the current key."""

    key: str
    count: Callable[[], dict[str, int]]
    rotate: Callable[[], int]
    order: int = 100


indexes: Registry[BlindIndex] = Registry("keyring")
stores: Registry[FileStore] = Registry("keyring")


def encrypted_fields() -> list[tuple[type[models.Model], list[Any]]]:
    """Every concrete model with encrypted fields, and those fields."""
    from liudong.core.fields import EncryptedCharField

    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.local_fields if isinstance(f, EncryptedCharField)]
        if fields:
            found.append((model, fields))
    return sorted(found, key=lambda item: item[0]._meta.label)


# --- which index key is in effect -------------------------------------------------------

_probed: dict[tuple[str, ...], tuple[float, crypto.IndexKey]] = {}
_lock = threading.Lock()
_generation = [0]  # a probe begun before the last forget() is not kept


def forget() -> None:
    """Ask the data again at the next blind index (after a swap, and in tests)."""
    with _lock:
        _probed.clear()
        _generation[0] += 1


def index_key_in_effect(keys: tuple[crypto.IndexKey, ...]) -> crypto.IndexKey:
    """While more than one index key is configured: the one the first row holding a
    plaintext source was hashed under (asked again every LIUDONG_INDEX_PROBE_SECONDS)."""
    ids = tuple(k.id for k in keys)
    now = time.monotonic()
    hit = _probed.get(ids)
    if hit is not None and hit[0] > now:
        return hit[1]
    generation = _generation[0]
    key = probe(keys) or keys[0]
    ttl = float(getattr(settings, "LIUDONG_INDEX_PROBE_SECONDS", 2))
    with _lock:
        if generation == _generation[0]:
            _probed[ids] = (now + ttl, key)
    return key


PROBE_ROWS = 15


def probe(keys: tuple[crypto.IndexKey, ...]) -> crypto.IndexKey | None:
    """The key most of the first rows (by primary key) of the first index with a plaintext
    source are hashed under: a row a process wrote under the old key in the moment after
    the swap (before its next probe) does not mislead it."""
    for item in indexes.items():
        if not item.source:
            continue
        name = item.key.rsplit(".", 1)[1]
        try:
            rows = list(
                item.model._base_manager.exclude(**{name: ""})
                .order_by("pk")
                .values_list(item.source, name)[:PROBE_ROWS]
            )
        except (DatabaseError, crypto.DecryptionError):
            return None
        votes: dict[str, int] = {}
        for source, stored in rows:
            value = item.value_of(source) if source else ""
            for key in keys if value else ():
                if crypto.blind_index_with(value, purpose=item.purpose, key=key) == stored:
                    votes[key.id] = votes.get(key.id, 0) + 1
                    break
        if votes:
            best = max(votes.values())
            return next(key for key in keys if votes.get(key.id) == best)
    return None


# --- the job ------------------------------------------------------------------------------


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _prefix_sql(column: str) -> tuple[str, list[Any]]:
    """SQL true where a stored value is under the current key (or empty)."""
    current = crypto.ring().current_id
    prefix = f"{crypto.PREFIX_KEYED}:{current}:" if current else f"{crypto.PREFIX}:"
    return f"({column} = '' OR SUBSTR({column}, 1, %s) = %s)", [len(prefix), prefix]


@dataclass
class Figures:
    scanned: int = 0
    changed: int = 0
    seconds: float = 0.0
    extra: dict[str, int] = field(default_factory=dict)


Progress = Callable[[str, int], None] | None  # (what, rows done so far), after each batch


def reencrypt(
    model: type[models.Model], fields: list[Any], batch: int, progress: Progress = None
) -> Figures:
    """Write every value of ``fields`` not under the current key again under it, ``batch``
    rows per transaction, in key order (resumable: current values are skipped). A value a
    request changed meanwhile is left alone: the request wrote it under the current key."""
    start = time.monotonic()
    figures = Figures()
    table, pk = _q(model._meta.db_table), _q(model._meta.pk.column)
    columns = [_q(f.column) for f in fields]
    stale, params = [], []
    for column in columns:
        sql, args = _prefix_sql(column)
        stale.append(f"NOT {sql}")
        params += args
    last: Any = None
    while True:
        after = f"{pk} > %s AND " if last is not None else ""
        query = (
            f"SELECT {pk}, {', '.join(columns)} FROM {table} WHERE {after}({' OR '.join(stale)}) "
            f"ORDER BY {pk} LIMIT %s"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(query, ([last] if last is not None else []) + params + [batch])
            rows = cursor.fetchall()
            if not rows:
                break
            for index, f in enumerate(fields, start=1):
                context = f._context()
                updates = [
                    (crypto.encrypt(crypto.decrypt(r[index], context=context), context=context),)
                    + (r[0], r[index])
                    for r in rows
                    if r[index] and not crypto.is_current(r[index])
                ]
                cursor.executemany(
                    f"UPDATE {table} SET {columns[index - 1]} = %s WHERE {pk} = %s "
                    f"AND {columns[index - 1]} = %s",
                    updates,
                )
                figures.changed += len(updates)
        figures.scanned += len(rows)
        last = rows[-1][0]
        if progress is not None:
            progress(model._meta.label, figures.scanned)
    figures.seconds = time.monotonic() - start
    return figures


def count_keys(model: type[models.Model], fields: list[Any]) -> dict[str, int]:
    """Stored values per key id ("" = the legacy key, without an id)."""
    table = _q(model._meta.db_table)
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for f in fields:
            column = _q(f.column)
            cursor.execute(
                f"SELECT SUBSTR({column}, 1, 40), COUNT(*) FROM {table} WHERE {column} <> '' "
                f"GROUP BY SUBSTR({column}, 1, 40)"
            )
            for head, n in cursor.fetchall():
                key_id = crypto.key_id_of(head) if head.count(":") >= 2 else None
                label = "?" if key_id is None else key_id
                counts[label] = counts.get(label, 0) + n
    return counts


def _pk_pages(item: BlindIndex, where: str, batch: int) -> Any:
    """The primary keys of ``item``'s rows matching ``where``, a page at a time."""
    table, pk = _q(item.model._meta.db_table), _q(item.model._meta.pk.column)
    last: Any = None
    while True:
        after = f"AND {pk} > %s " if last is not None else ""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {pk} FROM {table} WHERE {where} {after}ORDER BY {pk} LIMIT %s",
                ([last] if last is not None else []) + [batch],
            )
            pks = [r[0] for r in cursor.fetchall()]
        if not pks:
            return
        yield pks
        last = pks[-1]


def _recompute(
    item: BlindIndex,
    key: crypto.IndexKey,
    batch: int,
    *,
    where: str,
    sweep: bool,
    progress: Progress = None,
) -> int:
    """Hash the source's plaintext under ``key``: into the next column (the fill), or, in
    the sweep after the swap, into the index itself where it differs (keeping the old hash
    in the next column for the indexes remapped from this one)."""
    model = item.model
    table, pk = _q(model._meta.db_table), _q(model._meta.pk.column)
    idx, nxt = _q(item.column), _q(item.next_column)
    source = model._meta.get_field(item.source)
    context = source._context()
    changed = 0
    for pks in _pk_pages(item, where, batch):
        marks = ", ".join(["%s"] * len(pks))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {pk}, {_q(source.column)}, {idx} FROM {table} WHERE {pk} IN ({marks})",
                pks,
            )
            updates = []
            for pk_, stored, old in cursor.fetchall():
                if not stored:
                    continue
                value = item.value_of(crypto.decrypt(stored, context=context))
                if not value:  # nothing to hash: left to the remap, if any
                    continue
                new = crypto.blind_index_with(value, purpose=item.purpose, key=key)
                if not sweep:
                    updates.append((new, pk_))
                elif new != old:
                    updates.append((new, old, pk_, old))
            if sweep:
                cursor.executemany(
                    f"UPDATE {table} SET {idx} = %s, {nxt} = %s WHERE {pk} = %s AND {idx} = %s",
                    updates,
                )
            else:
                cursor.executemany(f"UPDATE {table} SET {nxt} = %s WHERE {pk} = %s", updates)
            changed += len(updates)
        if progress is not None:
            progress(item.key, changed)
    return changed


def _remap_sql(item: BlindIndex, *, take: str, match: str) -> str:
    """COALESCE over the remap sources: their ``take`` column where their ``match`` column
    equals this row's index (NULL where no source row holds the person)."""
    table = _q(item.model._meta.db_table)
    parts = []
    for name in item.remap:
        source = next(i for i in indexes.items() if i.key == name)
        s_table = _q(source.model._meta.db_table)
        s_take = _q(source.next_column if take == "next" else source.column)
        s_match = _q(source.next_column if match == "next" else source.column)
        parts.append(
            f"(SELECT s.{s_take} FROM {s_table} s WHERE s.{s_match} = {table}.{_q(item.column)} "
            f"AND s.{s_match} <> '' AND s.{s_take} <> '' LIMIT 1)"
        )
    return f"COALESCE({', '.join(parts)})"


def _remap(item: BlindIndex, batch: int, *, sweep: bool) -> int:
    table, pk = _q(item.model._meta.db_table), _q(item.model._meta.pk.column)
    idx, nxt = _q(item.column), _q(item.next_column)
    where = f"{nxt} = '' AND {idx} <> ''"
    changed = 0
    for pks in _pk_pages(item, where, batch):
        marks = ", ".join(["%s"] * len(pks))
        if sweep:  # after the swap: the sources' next column holds their old hashes
            value = _remap_sql(item, take="index", match="next")
            sql = f"UPDATE {table} SET {nxt} = {idx}, {idx} = {value} "
        else:
            value = _remap_sql(item, take="next", match="index")
            sql = f"UPDATE {table} SET {nxt} = {value} "
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql + f"WHERE {pk} IN ({marks}) AND {value} IS NOT NULL", pks)
            changed += max(cursor.rowcount, 0)
    return changed


def fill(batch: int, progress: Progress = None) -> dict[str, int]:
    """Every index's next column under the current index key (sources before remaps)."""
    key = crypto.index_keys()[0]
    done = {}
    for item in indexes.items():
        nxt, idx = _q(item.next_column), _q(item.column)
        done[item.key] = 0
        if item.source:
            where = f"{nxt} = '' AND {idx} <> ''"
            done[item.key] += _recompute(
                item, key, batch, where=where, sweep=False, progress=progress
            )
        if item.remap:  # rows without the plaintext: from the people's other rows
            done[item.key] += _remap(item, batch, sweep=False)
    return done


def swap() -> dict[str, int]:
    """One transaction: every filled row's index and next column trade places."""
    swapped = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for item in indexes.items():
            table, idx, nxt = (
                _q(item.model._meta.db_table),
                _q(item.column),
                _q(item.next_column),
            )
            cursor.execute(f"UPDATE {table} SET {idx} = {nxt}, {nxt} = {idx} WHERE {nxt} <> ''")
            swapped[item.key] = max(cursor.rowcount, 0)
        for item in indexes.items():
            if item.on_swap is not None:
                item.on_swap(cursor)
    forget()
    return swapped


def sweep(batch: int) -> dict[str, int]:
    """After the swap (and the other processes' probe interval): rows written meanwhile
    under the old key get the new hash; then the remapped indexes follow."""
    key = crypto.index_keys()[0]
    fixed = {}
    for item in indexes.items():
        fixed[item.key] = 0
        if item.source:
            where = f"{_q(item.column)} <> ''"
            fixed[item.key] += _recompute(item, key, batch, where=where, sweep=True)
        if item.remap:
            fixed[item.key] += _remap(item, batch, sweep=True)
    return fixed


def cleanup(batch: int) -> int:
    """Empty the next columns again, ``batch`` rows per transaction."""
    cleared = 0
    for item in indexes.items():
        table, pk = _q(item.model._meta.db_table), _q(item.model._meta.pk.column)
        nxt = _q(item.next_column)
        for pks in _pk_pages(item, f"{nxt} <> ''", batch):
            marks = ", ".join(["%s"] * len(pks))
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET {nxt} = '' WHERE {pk} IN ({marks})", pks)
                cleared += max(cursor.rowcount, 0)
    return cleared


def index_figures() -> dict[str, dict[str, int]]:
    """Per index: rows with a hash, and rows whose next column is filled."""
    out = {}
    with connection.cursor() as cursor:
        for item in indexes.items():
            table, idx, nxt = (
                _q(item.model._meta.db_table),
                _q(item.column),
                _q(item.next_column),
            )
            cursor.execute(
                f"SELECT COUNT(*), SUM(CASE WHEN {nxt} <> '' THEN 1 ELSE 0 END) FROM {table} "
                f"WHERE {idx} <> ''"
            )
            rows, filled = cursor.fetchone()
            out[item.key] = {"rows": int(rows or 0), "next": int(filled or 0)}
    return out


def summary_line(figures: dict[str, Any]) -> str:
    return json.dumps(figures, sort_keys=True)
