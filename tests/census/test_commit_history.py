"""A census commit goes through the ledger's set-based writer: each member and flow record
it creates or changes gets its own audit row with before and after (not one row per file),
named for the user who asked or, from the command line, for the system."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from liudong.census import actions
from liudong.census.models import CensusSubmission
from liudong.core.models import AuditEvent
from liudong.core.scope import SYSTEM
from liudong.members.models import FlowRecord, Member

from .conftest import fresh_ids, row, workbook_bytes


def _events(obj: Any) -> list[AuditEvent]:
    kind = ContentType.objects.get_for_model(type(obj))
    return list(AuditEvent.objects.filter(content_type=kind, object_id=str(obj.pk)).order_by("id"))


def _commit(submission: CensusSubmission, by: Any) -> CensusSubmission:
    actions.request_commit(by=by, submission=submission)
    return actions.run_commit(submission.pk)


def test_each_member_and_record_has_its_own_rows_with_before_and_after(
    run_file: Any, branch: Any, demo: Any, login: Any
) -> None:
    county = demo("user:jingchuan")
    one, two = fresh_ids(2)
    first = run_file(
        workbook_bytes([row(id_number=i, organization=branch.name) for i in (one, two)]), by=county
    )
    assert _commit(first, county).state == "committed"
    member = Member.objects.get(
        id_number_index=first.entries.order_by("row_number")[0].id_number_index
    )
    flow = member.flows.get(is_open=True)
    (created,) = _events(member)
    assert (created.kind, created.verb, created.actor_id) == ("create", "census.commit", county.pk)
    assert created.changes["after"]["name"] == "王建国"
    assert created.changes["after"]["phone"] == "•••"  # masked, as the signals write it
    assert created.org_path == branch.path
    (registered,) = _events(flow)
    assert (registered.kind, registered.verb) == ("create", "census.commit")
    assert registered.changes["after"]["destination_place"] == "610113"
    assert registered.object_repr == str(flow)

    # The same person again, found elsewhere with a new number: the changes, told.
    changed = row(
        id_number=one, organization=branch.name, destination="兰州市城关区", phone="13700009999"
    )
    second = run_file(workbook_bytes([changed]), by=county)
    assert second.rows_updated == 1
    assert _commit(second, county).state == "committed"
    update = _events(member)[-1]
    assert (update.kind, update.verb) == ("update", "census.commit")
    assert update.changes["before"]["phone"] == "•••"
    assert update.changes["after"]["phone"] == "••• (changed)"
    moved = _events(flow)[-1]
    assert moved.kind == "update"
    assert moved.changes["before"]["destination_place"] == "610113"
    assert moved.changes["after"]["destination_place"] == "620102"
    assert moved.changes["after"]["flow_scope"] == "out_of_city"
    # Per object, not per file: the file's own row stays one.
    assert AuditEvent.objects.filter(verb="census.commit", kind="action").count() >= 2
    assert not AuditEvent.objects.filter(
        verb="census.commit", content_type=None, kind__in=("create", "update")
    ).exists()
    # The audit list tells the member's history with the change's before and after.
    page = login("city").get("/audit/", {"object": member.name, "verb": "census.commit"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "620102" in html or "城关区" in html


def test_a_commit_from_the_command_line_is_the_systems(
    run_file: Any, branch: Any, tmp_path: Path, census_round: Any
) -> None:
    (one,) = fresh_ids(1)
    path = tmp_path / "c.xlsx"
    path.write_bytes(workbook_bytes([row(id_number=one, organization=branch.name)]))
    call_command(
        "census", "import", str(path), "--round", census_round.name, "--county", "620821",
        "--commit",
    )  # fmt: skip
    submission = CensusSubmission.objects.filter(round=census_round).latest("id")
    assert submission.state == "committed"
    assert submission.committed_by is None and submission.uploaded_by is None
    member = Member.objects.get(id_number_index=submission.entries.get().id_number_index)
    for obj in (member, FlowRecord.objects.get(member=member)):
        (event,) = _events(obj)
        assert (event.actor_id, event.actor_name, event.verb) == (None, "system", "census.commit")


def test_no_actor_is_an_error_not_a_pass(run_file: Any, branch: Any) -> None:
    import pytest

    submission = run_file(workbook_bytes([row(organization=branch.name)]))
    with pytest.raises(TypeError):
        actions.request_commit(by=None, submission=submission)
    assert _commit(submission, SYSTEM).state == "committed"
