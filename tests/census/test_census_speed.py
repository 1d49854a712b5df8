"""Issue 17's speed work keeps every result (decision 154): the entries' spool gives back what
it was given, the pinned place index is the one in force when the block began, the
pre-departure short cut and the check character answer as before."""

from __future__ import annotations

import datetime
import random
from typing import Any

import pytest

from liudong.census.actions.dry_run import EntrySpool
from liudong.core.errors import DomainError
from liudong.members.actions.departure import EMPTY, check_before_departure
from liudong.members.idnumber import WEIGHTS, check_character
from liudong.regions import queries as regions


def test_the_spool_gives_back_every_entry_in_order_and_in_batches() -> None:
    spool = EntrySpool()
    rows = [(n, f"{n:064x}", ("new", "updated", "conflict")[n % 3]) for n in range(2, 2_503)]
    spool.extend(rows[:1_000])
    spool.extend(rows[1_000:])
    batches = list(spool.batches(7, 1_000))
    spool.close()
    assert [len(b) for b in batches] == [1_000, 1_000, 501]
    assert [e for b in batches for e in b] == [(7, n, i, o) for n, i, o in rows]


def test_an_empty_spool_writes_nothing() -> None:
    spool = EntrySpool()
    assert list(spool.batches(1, 10)) == []
    spool.close()


@pytest.mark.django_db
def test_the_pinned_index_asks_the_cache_nothing_and_ends_with_its_block(
    monkeypatch: Any,
) -> None:
    index = regions._get_index()
    with regions.pinned_index():
        calls = []
        monkeypatch.setattr(regions, "_current_version", lambda: calls.append(1) or "other")
        assert regions._get_index() is index
        with regions.pinned_index():  # nested: the outer one stays
            assert regions._get_index() is index
        assert regions._get_index() is index
        assert calls == []
    monkeypatch.undo()
    assert getattr(regions._pinned, "index", None) is None


def test_nothing_given_before_departure_is_the_empty_answer() -> None:
    day = datetime.date(2024, 5, 1)
    given: dict[str, Any] = dict.fromkeys(EMPTY, None) | {"keep_contact": ""}
    assert check_before_departure(given, left_on=day, birth_date=None, today=day) == EMPTY
    spaces = {key: " " for key in EMPTY if key != "briefed_on"} | {"briefed_on": None}
    assert check_before_departure(spaces, left_on=day, birth_date=None, today=day) == EMPTY
    with pytest.raises(DomainError):
        check_before_departure(
            {"briefing_notes": "谈话"}, left_on=day, birth_date=None, today=day
        )  # notes need the talk's day: the short cut never skips a given field


def test_the_check_character_is_the_standards() -> None:
    rng = random.Random(17)
    for _ in range(500):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
        assert check_character(first17) == "10X98765432"[total % 11]
    assert check_character("11010519491231002") == "X"  # GB 11643's example
    with pytest.raises(ValueError):
        check_character("1234")
