"""The census's "claimed elsewhere" is the ledger's one answer for a number held outside the
county (decision 66): audited per person with who asked about which blind index."""

from __future__ import annotations

from typing import Any

from liudong.core.models import AuditEvent
from liudong.orgs.models import Organization

from .conftest import fresh_ids, row, workbook_bytes


def test_a_dry_run_conflict_is_an_audited_answer(run_file: Any, demo: Any) -> None:
    (person,) = fresh_ids(1)
    jc = Organization.objects.filter(path__startswith=demo("620821").path, kind="branch")[0]
    lt = Organization.objects.filter(path__startswith=demo("620822").path, kind="branch")[0]
    first = run_file(workbook_bytes([row(id_number=person, organization=jc.name)]), "620821")
    assert first.rows_new == 1
    claim = run_file(
        workbook_bytes([row(id_number=person, organization=lt.name)]),
        "620822",
        by=demo("user:lingtai"),
    )
    assert claim.rows_conflict == 1
    index = claim.conflicts.get().id_number_index
    answer = AuditEvent.objects.get(verb="member.registered_elsewhere", detail__contains=index)
    assert answer.actor.username == "lingtai" and "via=census" in answer.detail
    assert person not in answer.detail
