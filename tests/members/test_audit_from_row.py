"""The writer's audit rows of new objects built in SQL (``audit.FROM_ROW``, PostgreSQL; issue
17 item 3) against the same rows built in Python (SQLite's path, and PostgreSQL's with
``audit.SQL_SNAPSHOTS`` off): row for row the same kind, verb, object, name, organization
path, actor and snapshot, in the same order. Each path runs in a savepoint rolled back once
its rows are read, from the same starting state."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection, transaction

from liudong.core import audit
from liudong.core.models import AuditEvent
from liudong.core.scope import SYSTEM
from liudong.members import actions
from liudong.members.models import FlowRecord, Member
from liudong.orgs.models import Organization
from liudong.regions.models import Place
from tests.members.helpers import id_number
from tests.members.test_bulk_writer_parity import (
    _Done,
    _member_fields,
    _new_member,
    _new_stay,
    _stay,
)


def _rows(mark: int) -> list[tuple[Any, ...]]:
    """Audit rows since ``mark`` in order, keys replaced by the ID index they point at."""
    index = dict(Member.objects.values_list("pk", "id_number_index"))
    flows = {
        pk: (index[m], str(left)) for pk, m, left in FlowRecord.objects.values_list(
            "pk", "member_id", "left_on"
        )
    }  # fmt: skip
    out = []
    for event in AuditEvent.objects.filter(pk__gt=mark).order_by("pk"):
        model = event.content_type.model_class()
        key = index if model is Member else flows
        after = dict(event.changes.get("after", {}))
        assert after.pop("id") == int(event.object_id)
        assert isinstance(after.pop("created_at"), str)  # each run's own time
        if "member" in after:
            after["member"] = index[after["member"]]
        out.append((
            event.kind, event.verb, model.__name__, key[int(event.object_id)],
            event.object_repr, event.org_path, event.actor_id, event.actor_name,
            event.actor_org_path, sorted(after.items()), sorted(event.changes),
        ))  # fmt: skip
    return out


def _written(in_sql: bool, rows: Any, by: Any, verb: str | None) -> list[tuple[Any, ...]]:
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    kept = audit.SQL_SNAPSHOTS
    found: list[tuple[Any, ...]] = []
    try:
        audit.SQL_SNAPSHOTS = in_sql
        assert audit.sql_snapshots() == (in_sql and connection.vendor == "postgresql")
        with transaction.atomic():
            written = actions.write_rows(rows(), by=by, verb=verb)
            assert written.audit_rows == 5  # 2 members, a closed and 2 open records
            found = _rows(mark)
            raise _Done
    except _Done:
        pass
    finally:
        audit.SQL_SNAPSHOTS = kept
    return found


@pytest.mark.parametrize("verb", [None, "census.commit"])
def test_sql_snapshots_are_the_python_ones(demo: Any, verb: str | None) -> None:
    county = demo("620821")
    branch = Organization.objects.filter(path__startswith=county.path, kind="branch")[0]
    station = demo("user:station05").organization
    by = demo("user:jingchuan") if verb is None else SYSTEM
    home = _member_fields(branch, name="李四", phone="")  # no phone: its mark is empty
    elsewhere = _member_fields(None, name="赵钱", sex="2", phone="13712345678")
    elsewhere["id_number"] = id_number("610113", sex="2")
    inflow = _stay(direction="inflow", inflow_organization=station)
    inflow["destination_place"] = Place.objects.get(code="620821")
    returned = datetime.date(2024, 1, 20)

    def rows() -> list[actions.LedgerRow]:
        first, second = _new_member(home), _new_member(elsewhere)
        earlier = _new_stay(first, _stay(left_on=datetime.date(2023, 5, 1)), branch)
        earlier |= {"status": "returned", "status_changed_on": returned, "closed_on": returned}
        return [
            actions.LedgerRow(
                member=first, flow=_new_stay(first, _stay(), branch), history=[earlier]
            ),
            actions.LedgerRow(member=second, flow=_new_stay(second, inflow)),
        ]

    in_sql, in_python = _written(True, rows, by, verb), _written(False, rows, by, verb)
    assert in_sql == in_python
    kinds = [(kind, model) for kind, _verb, model, *_rest in in_sql]
    assert kinds == [("create", "Member")] * 2 + [("create", "FlowRecord")] * 3
    shown = dict(in_sql[0][9])
    assert shown["phone"] == "" and shown["id_number"] == audit.SENSITIVE_MARK
    assert in_sql[1][5] == station.path  # an inflow member: the receiving side's path
    assert in_sql[2][4].startswith("李四 → ")
