"""The one reader (``analytics.figures.reader``): what the rollup cannot answer is read
from an index, never by a scan of the records; the scope is the gate's answer; the jobs'
rebuild of the rollup is the system's (issue 11, items 3 and 4)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from liudong.analytics import figures, rollup
from liudong.core.models import AuditEvent
from liudong.core.scope import SYSTEM, by_organization, sees_all
from liudong.members.models import FlowRecord

FILTER_INDEXES = ("analytics_period_idx", "analytics_destination_idx", "analytics_origin_idx")


def _only_the_filter_indexes() -> None:
    """PostgreSQL: drop the flow records' other secondary indexes (in the test's
    transaction, rolled back after it): on the demo's few hundred records any index is as
    cheap as another, so the plan shows which index can serve the read only when the
    others are out of the way."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
               JOIN pg_class t ON t.oid = i.indrelid
               WHERE t.relname = 'members_flowrecord'
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"""
        )
        for (name,) in cursor.fetchall():
            if name not in FILTER_INDEXES:
                cursor.execute(f'DROP INDEX "{name}"')


def _record_plans(captured: CaptureQueriesContext) -> list[str]:
    """The plans of the captured statements that read the flow records."""
    plans = []
    if connection.vendor == "postgresql":
        _only_the_filter_indexes()
    for query in captured:
        sql = query["sql"]
        if '"members_flowrecord"' not in sql or not sql.lstrip().upper().startswith("SELECT"):
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The demo's few hundred records: a scan costs nothing, so ask for a plan
                # without one (the index must serve the read).
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("SET LOCAL enable_bitmapscan = off")
                cursor.execute(f"EXPLAIN {sql}")
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plans.append("\n".join(str(row[-1]) for row in cursor.fetchall()))
    return plans


def _scans_the_records(plan: str) -> bool:
    if connection.vendor == "postgresql":
        return "Seq Scan on members_flowrecord" in plan
    return any(
        line.strip().startswith("SCAN members_flowrecord") and "INDEX" not in line
        for line in plan.splitlines()
    )


def _filtered() -> Any:
    """The dashboard with a reason and a period filter (the first records' year)."""
    period = str(FlowRecord.objects.filter(is_open=True).order_by("left_on").first().left_on.year)
    flt = figures.FigureFilter(reason="work", period=period)
    return lambda user, org: figures.dashboard(user, org, flt).as_dict()


def _drill() -> Any:
    """The map drilled to a prefecture (one the outflow goes to)."""
    code = FlowRecord.objects.filter(is_open=True, direction="outflow").first().destination_place_id
    flt, parent = figures.FigureFilter(), code[:4] + "00"
    return lambda user, org: figures.distribution(user, org, flt, level="county", parent=parent)


def _origins() -> Any:
    """The inflow members' home provinces."""
    flt = figures.FigureFilter(direction="inflow")
    return lambda user, org: figures.distribution(user, org, flt, level="province")


@pytest.mark.parametrize(
    ("case", "index"),
    [
        (_filtered, "analytics_period_idx"),
        (_drill, "analytics_destination_idx"),
        (_origins, "analytics_origin_idx"),
    ],
    ids=["reason and period", "county drill", "inflow origins"],
)
@pytest.mark.parametrize("username", ["city", "jingchuan"])
def test_what_the_rollup_cannot_answer_is_read_from_an_index(
    demo: Any, case: Any, index: str, username: str
) -> None:
    user = demo(f"user:{username}")
    org = figures.organization_for(user, "")
    read = case()
    with connection.cursor() as cursor:  # the planner's statistics, as a live database has
        cursor.execute("ANALYZE")
    with CaptureQueriesContext(connection) as captured:
        read(user, org)
    plans = _record_plans(captured)
    assert plans, "the figure reads the records"
    assert any(index in plan for plan in plans), plans
    assert not [plan for plan in plans if _scans_the_records(plan)], plans


def test_the_reader_asks_the_gate_for_the_scope(demo: Any) -> None:
    city, county, member = demo("user:city"), demo("user:jingchuan"), demo("user:member_jc")
    assert sees_all(city) and sees_all(SYSTEM)
    assert not sees_all(county) and not sees_all(member) and not sees_all(AnonymousUser())
    assert by_organization(city) and by_organization(county) and by_organization(SYSTEM)
    assert not by_organization(member) and not by_organization(AnonymousUser())
    flt = figures.FigureFilter()
    for user in (city, county, member):
        assert rollup.answers(user, flt) == by_organization(user)
        org = figures.organization_for(user, "") if user is not member else None
        if org is not None:
            assert figures.sees_everything(user, org, flt) == (
                sees_all(user) and org.parent_id is None
            )


def test_the_nightly_rebuild_is_the_systems(demo: Any) -> None:
    with pytest.raises(TypeError):
        rollup.rebuild()  # type: ignore[call-arg]  # no actor: an error, not a pass
    with connection.cursor() as cursor:  # drift, as a load with the triggers off leaves
        cursor.execute("UPDATE analytics_flowtally SET n = n + 3")
    call_command("rebuild_tally", stdout=open("/dev/null", "w"))  # noqa: SIM115
    events = AuditEvent.objects.filter(detail__startswith="tally drift mended")
    assert events.exists()
    assert all(e.actor_id is None and e.actor_name == "system" for e in events)
