"""The set-based writer pauses Python's cycle collector while it writes a batch (its many
small dicts and tuples hold no cycles; collections over them cost a tenth of a census
commit) and always turns it back on, after a write and after a refusal."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from liudong.core.errors import DomainError
from liudong.core.scope import SYSTEM
from liudong.members import actions
from liudong.members.actions import bulk
from tests.members.test_bulk_writer_parity import _member_fields, _new_member

pytestmark = pytest.mark.django_db


def test_collector_paused_while_writing_and_back_after(
    demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    insert = bulk.insert_rows

    def watching(*args: Any, **kwargs: Any) -> list[int]:
        seen.append(gc.isenabled())
        return insert(*args, **kwargs)

    monkeypatch.setattr(bulk, "insert_rows", watching)
    row = _new_member(_member_fields(None, name="孙七"))
    assert gc.isenabled()
    written = actions.write_rows([actions.LedgerRow(member=row)], by=SYSTEM)
    assert written.members_created == 1
    assert seen and not any(seen)
    assert gc.isenabled()
    with pytest.raises(DomainError):  # the same person again: refused
        actions.write_rows([actions.LedgerRow(member=row)], by=SYSTEM)
    assert gc.isenabled()
