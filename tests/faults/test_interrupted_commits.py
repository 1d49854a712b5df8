"""A write interrupted late leaves nothing partial (issue 16, item 4).

Each action is made to fail at its last step, after everything else it writes has been
written (the failure a killed process or a lost connection would cause there): a census
commit at its own audit row, after every batch of the ledger; a check-in at the station's
notice, after the check-in and its audit row; a siting plan's conversion at the plan's
save, after its planned stations. Then every table of the project has the rows it had
before: no ledger rows, no audit rows, no notifications, no stations. (Both passes: these
run in the test database, each action inside its own transaction or savepoint.)
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps

from liudong.core import audit
from liudong.core.models import AuditEvent
from liudong.core.scope import SYSTEM
from tests.census.conftest import (  # noqa: F401 - the census fixtures, used by name
    _inline_jobs,
    branch,
    census_round,
    fresh_ids,
    row,
    run_file,
    workbook_bytes,
)


class Interrupted(RuntimeError):
    """The failure injected at an action's last step."""


def table_counts() -> dict[str, int]:
    """The row count of every table of the project (sessions and Django's own aside)."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model.__module__.startswith("liudong.")
    }


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {k: (before[k], after[k]) for k in before if before[k] != after[k]}


def test_a_census_commit_interrupted_at_its_audit_row_writes_nothing(
    run_file: Any,  # noqa: F811
    branch: Any,  # noqa: F811
    monkeypatch: Any,
) -> None:
    from liudong.census import actions
    from liudong.census.models import CensusSubmission

    ids = fresh_ids(1200)  # two write batches
    submission = run_file(workbook_bytes([row(id_number=i, organization=branch.name) for i in ids]))
    assert submission.rows_new == 1200
    actions.request_commit(by=SYSTEM, submission=submission)
    before = table_counts()
    record = audit.record
    reached = []

    def dying(*args: Any, **kwargs: Any) -> Any:
        if str(kwargs.get("detail", "")).startswith("census commit"):
            reached.append(True)  # every batch written: the process "dies" here
            raise Interrupted("killed")
        return record(*args, **kwargs)

    monkeypatch.setattr(audit, "record", dying)
    result = actions.run_commit(submission.pk)
    assert reached and result.state == "validated"
    after = table_counts()
    # The submission is the same row, back to "validated" with the reason (its audited
    # update, the one audit row more); nothing of the ledger, nothing else.
    audit_rows = before["core.AuditEvent"]
    assert changed(before, after) == {"core.AuditEvent": (audit_rows, audit_rows + 1)}
    (told,) = AuditEvent.objects.order_by("-pk")[:1]
    assert told.content_type.model_class() is CensusSubmission and told.kind == "update"
    assert told.object_id == str(submission.pk)
    assert CensusSubmission.objects.get(pk=submission.pk).committed_at is None
    monkeypatch.undo()
    actions.request_commit(by=SYSTEM, submission=result)
    assert actions.run_commit(submission.pk).state == "committed"  # and it can run again
    assert table_counts()["members.Member"] == before["members.Member"] + 1200


def test_a_check_in_interrupted_at_the_staffs_notice_writes_nothing(
    demo: Any, monkeypatch: Any
) -> None:
    from liudong.stations import actions, notices
    from liudong.stations.models import CheckIn
    from tests.stations.helpers import member_with_account, station

    user, _member, _flow = member_with_account(demo)
    before = table_counts()

    def dying(*args: Any, **kwargs: Any) -> int:
        raise Interrupted("killed")  # the check-in and its audit row are written by now

    monkeypatch.setattr(notices, "check_in_asked", dying)
    with pytest.raises(Interrupted):
        actions.request_check_in(by=user, station=station(5))
    assert changed(before, table_counts()) == {}
    monkeypatch.undo()
    check_in, created = actions.request_check_in(by=user, station=station(5))
    assert created and CheckIn.objects.filter(pk=check_in.pk).exists()
    told = changed(before, table_counts())
    assert {"stations.CheckIn", "core.AuditEvent", "notifications.Notification"} <= set(told)


def test_a_siting_plan_conversion_interrupted_at_the_plans_save_writes_nothing(
    demo: Any, monkeypatch: Any
) -> None:
    from liudong.siting import actions
    from liudong.siting.models import SitingPlan
    from liudong.stations.models import Station
    from tests.siting.test_pages import sites, unserved_host

    sites(demo)
    unserved_host(demo)
    plan = actions.run_plan(by=SYSTEM, name="中断", params=actions.PlanParams(k=2, radius_km=30))
    assert plan.new_sites
    before = table_counts()
    save = SitingPlan.save
    made = []

    def dying(self: Any, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("update_fields") == ["converted_at"]:
            made.append(Station.objects.count() - before["stations.Station"])
            raise Interrupted("killed")  # the planned stations are written by now
        save(self, *args, **kwargs)

    monkeypatch.setattr(SitingPlan, "save", dying)
    with pytest.raises(Interrupted):
        actions.convert_plan(by=SYSTEM, plan=SitingPlan.objects.get(pk=plan.pk))
    assert made == [len(plan.new_sites)]  # they were, before the failure
    assert changed(before, table_counts()) == {}
    assert SitingPlan.objects.get(pk=plan.pk).converted_at is None
