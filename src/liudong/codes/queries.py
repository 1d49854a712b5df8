"""Code lookups for the rest of the platform: choices, labels, label-to-code, validation.

Each process keeps the code tables it has read in memory. A write to a code or table
clears this process's copy at once and changes a generation mark in the shared cache, which
other processes check at most once per :data:`RECHECK_SECONDS`. Reads inside a transaction
that wrote codes bypass the memory copy, so a rolled-back write never lingers there.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from liudong.core.errors import DomainError

GENERATION_KEY = "liudong:codes:generation"
RECHECK_SECONDS = 1.0


class UnknownTable(LookupError):
    """No code table has this key: a programming error, not a user's."""


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    name_en: str
    active: bool

    @property
    def label(self) -> str:
        return _pick(self.name, self.name_en)


@dataclass(frozen=True)
class Table:
    key: str
    name: str
    name_en: str
    entries: tuple[Entry, ...]
    by_code: dict[str, Entry]
    by_text: dict[str, str]  # normalized code, name, English name or alias -> code

    @property
    def label(self) -> str:
        return _pick(self.name, self.name_en)


def _pick(name: str, name_en: str) -> str:
    if (get_language() or "").startswith("en"):
        return name_en or name
    return name


# --- the per-process memory -----------------------------------------------------------------

_tables: dict[str, Table] = {}
_choices: dict[tuple[str, str, bool], list[tuple[str, str]]] = {}
_state: dict[str, Any] = {"generation": None, "checked_at": 0.0}
# Per thread, like database connections: the open transaction that wrote codes, if any.
_local = threading.local()


def clear_cache() -> None:
    """Forget what this process has read (tests call it; writes do it themselves)."""
    _tables.clear()
    _choices.clear()


def _outermost_atomic() -> Any:
    return connection.atomic_blocks[0] if connection.in_atomic_block else None


def codes_changed(**kwargs: Any) -> None:
    """Signal receiver: a code or table was saved or deleted."""
    clear_cache()
    _bump_generation()
    atomic = _outermost_atomic()
    if atomic is not None:
        _local.dirty_transaction = atomic
        transaction.on_commit(_committed)


def _committed() -> None:
    _local.dirty_transaction = None
    clear_cache()
    _bump_generation()  # other processes may have re-read before the commit


def _bump_generation() -> None:
    generation = uuid.uuid4().hex
    cache.set(GENERATION_KEY, generation, None)
    _state["generation"] = generation
    _state["checked_at"] = time.monotonic()


def _memory_usable() -> bool:
    dirty = getattr(_local, "dirty_transaction", None)
    if dirty is not None:
        if dirty is _outermost_atomic():
            return False  # this transaction wrote codes that may still be rolled back
        _local.dirty_transaction = None  # it ended without committing
        clear_cache()
    now = time.monotonic()
    if now - _state["checked_at"] >= RECHECK_SECONDS:
        _state["checked_at"] = now
        generation = cache.get(GENERATION_KEY)
        if generation != _state["generation"]:
            _state["generation"] = generation
            clear_cache()
    return True


def _read_table(table_key: str) -> Table:
    from liudong.codes.data import aliases
    from liudong.codes.models import Code, CodeTable

    row = CodeTable.objects.filter(key=table_key).values("name", "name_en").first()
    if row is None:
        raise UnknownTable(f"No code table with key {table_key!r}.")
    entries = tuple(
        Entry(c["code"], c["name"], c["name_en"], c["active"])
        for c in Code.objects.filter(table__key=table_key)
        .order_by("sort_order", "code")
        .values("code", "name", "name_en", "active")
    )
    by_text: dict[str, str] = {}
    # Earlier passes win: a code value beats a name, a name beats an alias.
    for entry in entries:
        by_text.setdefault(normalize(entry.code), entry.code)
    for entry in entries:
        for text in (entry.name, entry.name_en):
            if text:
                by_text.setdefault(normalize(text), entry.code)
    extra = aliases(table_key)
    for entry in entries:
        for text in (*extra.get(entry.code, ()), _short_ethnic_name(entry.name)):
            if text:
                by_text.setdefault(normalize(text), entry.code)
    return Table(
        key=table_key,
        name=row["name"],
        name_en=row["name_en"],
        entries=entries,
        by_code={entry.code: entry for entry in entries},
        by_text=by_text,
    )


def _short_ethnic_name(name: str) -> str:
    """汉族 -> 汉: forms and spreadsheets often drop the 族."""
    return name[:-1] if len(name) >= 2 and name.endswith("族") else ""


def table(table_key: str) -> Table:
    """The codes of one table, in display order (inactive ones included)."""
    if not _memory_usable():
        return _read_table(table_key)
    found = _tables.get(table_key)
    if found is None:
        found = _tables[table_key] = _read_table(table_key)
    return found


# --- the public lookups ---------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def normalize(text: Any) -> str:
    """Fold width, case and spaces: "　０１ " -> "01", "Han " -> "han"."""
    folded = unicodedata.normalize("NFKC", str(text or ""))
    return _SPACES.sub("", folded).casefold()


def choices(table_key: str, *, include_inactive: bool = False) -> list[tuple[str, str]]:
    """``[(code, label), ...]`` in display order, labels in the active language."""
    key = (table_key, get_language() or "", include_inactive)
    usable = _memory_usable()
    if usable and key in _choices:
        return list(_choices[key])
    found = table(table_key)
    result = [(e.code, e.label) for e in found.entries if include_inactive or e.active]
    if usable:
        _choices[key] = result
    return list(result)


def label(table_key: str, code: str | None) -> str:
    """The label of a code in the active language; an unknown code is shown as it is."""
    if code in (None, ""):
        return ""
    entry = table(table_key).by_code.get(str(code))
    return entry.label if entry is not None else str(code)


def code_for_label(table_key: str, text: Any) -> str | None:
    """The code that ``text`` names: the code itself, its Chinese or English name.

    Width, case and spaces do not matter ("０１", " han ", "HAN" all give "01"); a number
    that lost its leading zeros in a spreadsheet ("1") still finds "01". None if no match.
    """
    wanted = normalize(text)
    if not wanted:
        return None
    found = table(table_key)
    code = found.by_text.get(wanted)
    if code is not None:
        return code
    if wanted.isdigit():
        for entry in found.entries:
            if entry.code.isdigit() and int(entry.code) == int(wanted):
                return entry.code
    return None


def is_active(table_key: str, code: str) -> bool:
    entry = table(table_key).by_code.get(code)
    return entry is not None and entry.active


def validate(
    table_key: str, code: Any, *, field: str | None = None, allow_inactive: bool = False
) -> str:
    """Return ``code`` if the table holds it (and it is in use), else raise ``code_unknown``.

    ``allow_inactive``: accept a code taken out of use, for records that already hold it.
    """
    found = table(table_key)
    entry = found.by_code.get(str(code)) if code not in (None, "") else None
    if entry is None or not (entry.active or allow_inactive):
        raise DomainError(
            "code_unknown",
            _("“%(code)s” is not a code in the table “%(table)s”.")
            % {"code": "" if code is None else code, "table": found.label},
            field,
        )
    return entry.code
