"""The rollup (FlowTally) stays equal to the records under every writer, and the figures
read from it equal the figures read from the records."""

from __future__ import annotations

import datetime
import random
from typing import Any

import pytest
from django.db import connection
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext

from liudong.analytics import figures, rollup
from liudong.analytics.figures import reader
from liudong.analytics.models import FlowTally
from liudong.core.errors import DomainError
from liudong.core.scope import SYSTEM
from liudong.members import actions
from liudong.members.actions import flow_scope_between
from liudong.members.models import FlowRecord
from liudong.members.overdue import overdue_cutoff
from liudong.orgs.models import Organization, OrgKind
from tests.members.helpers import make_flow, make_member

SEED = 20261129
DESTINATIONS = ["610113", "620102", "620802", "620881", "110105", "620822", "640104"]


def _assert_exact(step: str = "") -> None:
    wrong = rollup.drift(rollup.counted_from_records(), rollup.stored())
    assert not wrong, f"tally differs from the records after {step}: {wrong}"


def test_demo_load_leaves_the_tally_exact(demo: Any) -> None:
    assert FlowTally.objects.exists()
    _assert_exact("the demo load")
    counted = rollup.counted_from_records().values()
    assert sum(n for n, _o, _s in counted) == FlowRecord.objects.filter(is_open=True).count()
    assert sum(overdue for _n, overdue, _s in counted) > 0
    assert sum(served for _n, _o, served in counted) > 0


def _insert_raw(member_id: int, **values: Any) -> None:
    """A plain INSERT, as an import that bypasses the ORM would write it."""
    today = datetime.date.today()
    row = {
        "member_id": member_id,
        "direction": "outflow",
        "flow_scope": flow_scope_between(values.get("origin_place_id", "620821"), "610113"),
        "origin_place_id": "620821",
        "destination_place_id": "610113",
        "destination_address": "",
        "employer": "",
        "reason": "work",
        "left_on": today - datetime.timedelta(days=400),
        "home_organization_id": None,
        "inflow_organization_id": None,
        "status": "registered",
        "is_open": True,
        "status_changed_on": today,
        "status_reason": "",
        "created_at": datetime.datetime.now(datetime.UTC),
    } | values
    columns = ", ".join(row)
    marks = ", ".join(["%s"] * len(row))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO members_flowrecord ({columns}) VALUES ({marks})", list(row.values())
        )


def test_every_writer_keeps_the_tally_exact(demo: Any) -> None:
    """A seeded random sequence of the ledger's actions, bulk writes, plain SQL, queryset
    updates and deletes; after each step the tally equals a fresh count of the records."""
    rng = random.Random(SEED)
    by = demo("user:city")
    branches = list(
        Organization.objects.filter(kind=OrgKind.BRANCH, code__startswith="62082").order_by("pk")[
            :6
        ]
    )
    stations = list(Organization.objects.filter(kind=OrgKind.MOBILE_BRANCH).order_by("code")[:4])
    assert branches and stations
    members = [make_member(by, rng.choice(branches), name=f"测试{i}") for i in range(40)]
    flows: list[FlowRecord] = []
    kinds = ["register"] * 4 + ["check_in"] * 3 + ["return", "lose", "find", "transfer"]
    kinds += ["contact", "contact", "stamp", "delete", "bulk", "raw", "update", "move", "anchor"]
    today = datetime.date.today()
    for step in range(120):
        kind = rng.choice(kinds)
        flow = FlowRecord.objects.get(pk=rng.choice(flows).pk) if flows else None
        try:
            if kind == "register" or flow is None:
                free = [m for m in members if not m.flows.filter(is_open=True).exists()]
                if free:
                    member = rng.choice(free)
                    flows.append(make_flow(by, member, to=rng.choice(DESTINATIONS)))
            elif kind == "check_in":
                actions.check_in(by=by, flow=flow, inflow_organization=rng.choice(stations))
            elif kind == "return":
                actions.mark_returned(by=by, flow=flow, reason="回乡")
            elif kind == "lose":
                actions.mark_lost(by=by, flow=flow, reason="电话停机")
            elif kind == "find":
                actions.mark_found(by=by, flow=flow, reason="已联系上")
            elif kind == "transfer":
                actions.mark_transferred(by=by, flow=flow, reason="转出组织关系")
            elif kind == "contact":
                on = today - datetime.timedelta(days=rng.randint(0, 300))
                actions.log_contact(by=by, flow=flow, method="phone", on=max(on, flow.left_on))
            elif kind == "delete":
                gone = flow.pk
                flow.delete()
                flows = [f for f in flows if f.pk != gone]
            elif kind == "bulk":
                free = [m for m in members if not m.flows.filter(is_open=True).exists()]
                made = [
                    FlowRecord(
                        member=m,
                        direction=rng.choice(["outflow", "inflow"]),
                        flow_scope=flow_scope_between("620821", to),
                        origin_place_id="620821",
                        destination_place_id=to,
                        reason="work",
                        left_on=today - datetime.timedelta(days=rng.randint(1, 900)),
                        home_organization=m.home_organization,
                        inflow_organization=rng.choice([None, *stations]),
                        status=rng.choice(["registered", "managed", "lost", "returned"]),
                        is_open=True,
                        status_changed_on=today,
                    )
                    for m in free[:5]
                    for to in [rng.choice(DESTINATIONS)]
                ]
                for f in made:
                    f.is_open = f.status != "returned"
                flows += FlowRecord.objects.bulk_create(made)
            elif kind == "raw":
                free = [m for m in members if not m.flows.filter(is_open=True).exists()]
                if free:
                    _insert_raw(
                        free[0].pk,
                        direction="inflow",
                        inflow_organization_id=rng.choice(stations).pk,
                        status=rng.choice(["registered", "managed"]),
                    )
                    flows.append(FlowRecord.objects.filter(member=free[0]).latest("pk"))
            elif kind == "update":
                # A queryset update past the actions (a data repair): status of several.
                chosen = [f.pk for f in rng.sample(flows, min(4, len(flows)))]
                FlowRecord.objects.filter(pk__in=chosen, is_open=True).update(
                    status=rng.choice(["registered", "managed", "lost"])
                )
            elif kind == "stamp":
                # Contact dates set past the actions (a repair), across the anchor or not.
                chosen = [f.pk for f in rng.sample(flows, min(3, len(flows)))]
                FlowRecord.objects.filter(pk__in=chosen).update(
                    last_contact_on=rng.choice(
                        [None, today - datetime.timedelta(days=rng.randint(0, 400))]
                    )
                )
            elif kind == "anchor":
                # The nightly rebuild moves the overdue anchor; later writes count by it.
                summary = rollup.rebuild(
                    by=SYSTEM, anchor=today - datetime.timedelta(rng.randint(0, 400))
                )
                assert (summary["drift_keys"], summary["drift_overdue"]) == (0, 0)
            elif kind == "move":
                # Destination and side change in one UPDATE (every key column at once).
                FlowRecord.objects.filter(pk=flow.pk).update(
                    destination_place_id=rng.choice(DESTINATIONS),
                    home_organization=rng.choice(branches),
                    inflow_organization=rng.choice([None, *stations]),
                )
        except (DomainError, ProtectedError):
            pass  # a transition the rules refuse, or a record with contacts: nothing written
        _assert_exact(f"step {step} ({kind})")
    assert len(flows) > 20
    # Deleting everything written here, in one statement, takes every count back out.
    from liudong.members.models import Alert, Contact

    Alert.objects.filter(flow__in=[f.pk for f in flows]).delete()
    Contact.objects.filter(flow__in=[f.pk for f in flows]).delete()
    FlowRecord.objects.filter(pk__in=[f.pk for f in flows]).delete()
    _assert_exact("the bulk delete")


def test_rebuild_reports_and_mends_drift(demo: Any) -> None:
    first = FlowTally.objects.exclude(n=0).order_by("pk").first()
    with connection.cursor() as cursor:  # as a load with the triggers off would leave it
        cursor.execute("UPDATE analytics_flowtally SET n = n + 5 WHERE id = %s", [first.pk])
        cursor.execute("DELETE FROM analytics_flowtally WHERE id <> %s", [first.pk])
    assert not rollup.matches_records()
    summary = rollup.rebuild(by=SYSTEM)
    assert summary["drift_keys"] > 1
    assert summary["drift_records"] >= 5
    assert rollup.matches_records()
    again = rollup.rebuild(by=SYSTEM)
    assert (again["drift_keys"], again["drift_records"], again["removed_rows"]) == (0, 0, 0)
    assert again["anchor"] == overdue_cutoff().isoformat()


def test_rebuild_removes_rows_at_zero(demo: Any) -> None:
    flow = FlowRecord.objects.filter(is_open=True, contacts__isnull=True).first()
    by = demo("user:city")
    # Move one record to a key of its own, then close it: its row falls to 0.
    FlowRecord.objects.filter(pk=flow.pk).update(destination_place_id="650103")
    actions.mark_returned(by=by, flow=flow, reason="回乡")
    assert FlowTally.objects.filter(prefecture="6501", n=0).exists()
    summary = rollup.rebuild(by=SYSTEM)
    assert summary["removed_rows"] >= 1 and summary["drift_keys"] == 0
    assert not FlowTally.objects.filter(n=0).exists()


def _both(call: Any) -> tuple[Any, Any]:
    return call(True), call(False)


CASES = [
    ("city", "620800", {}),
    ("city", "620800", {"direction": "outflow"}),
    ("city", "620800", {"status": "managed"}),
    ("city", "620800", {"direction": "inflow", "status": "registered"}),
    ("jingchuan", "620821", {}),
    ("city", "620822", {"status": "lost"}),
    ("station01", "", {}),
]


@pytest.mark.parametrize(("username", "code", "params"), CASES)
def test_dashboard_from_the_rollup_equals_the_records(
    demo: Any, username: str, code: str, params: dict[str, str]
) -> None:
    user = demo(f"user:{username}")
    org = figures.organization_for(user, code)
    flt = figures.FigureFilter.from_params(params)
    ours, raw = _both(lambda r: figures.dashboard(user, org, flt, from_rollup=r).as_dict())
    assert ours["members_found"] > 0
    assert ours == raw
    if not params:
        assert ours["totals"]["all"]["overdue"] > 0  # the overdue path is exercised


def test_report_rows_and_total_from_the_rollup_equal_the_records(demo: Any) -> None:
    for username, code in (("city", "620800"), ("jingchuan", "620821")):
        user = demo(f"user:{username}")
        org = figures.organization_for(user, code)
        (rows_a, total_a), (rows_b, total_b) = _both(
            lambda r, u=user, o=org: figures.org_rows(u, o, from_rollup=r)
        )
        assert [r.as_dict() for r in rows_a] == [r.as_dict() for r in rows_b]
        assert total_a.as_dict() == total_b.as_dict()
        assert total_a.all.overdue > 0


@pytest.mark.parametrize(
    ("level", "parent", "params"),
    [
        ("province", "", {}),
        ("prefecture", "610000", {}),
        ("prefecture", "620000", {"status": "managed"}),
    ],
)
def test_map_areas_from_the_rollup_equal_the_records(
    demo: Any, level: str, parent: str, params: dict[str, str]
) -> None:
    user = demo("user:city")
    org = figures.organization_for(user, "")
    flt = figures.FigureFilter.from_params(params)
    ours, raw = _both(
        lambda r: figures.distribution(user, org, flt, level=level, parent=parent, from_rollup=r)
    )
    assert ours["areas"] and ours == raw


def test_overdue_follows_the_date_without_any_write(demo: Any, monkeypatch: Any) -> None:
    """Contact overdue is counted live (not tallied): move today and it moves, equal both
    ways."""
    user = demo("user:city")
    org = figures.organization_for(user, "")
    before = figures.dashboard(user, org, from_rollup=True).tallies["all"].overdue
    later = datetime.date.today() + datetime.timedelta(days=60)
    monkeypatch.setattr(reader, "overdue_cutoff", lambda: later)
    ours, raw = _both(lambda r: figures.dashboard(user, org, from_rollup=r).as_dict())
    assert ours == raw
    assert ours["totals"]["all"]["overdue"] > before


def _on_records(sql: str) -> bool:
    """A read of the records other than the served-by-a-station definition's (its
    contacts, or its pending check-ins: decision 128)."""
    theirs = '"members_contact"' in sql or '"stations_checkin"' in sql
    return '"members_flowrecord"' in sql and not theirs


def test_the_rollup_path_reads_no_record_but_for_overdue(demo: Any) -> None:
    user = demo("user:city")
    org = figures.organization_for(user, "")
    rollup.rebuild(by=SYSTEM)  # the anchor is today's cutoff: nothing to correct
    with CaptureQueriesContext(connection) as captured:
        figures.dashboard(user, org, from_rollup=True)
    assert any('"analytics_flowtally"' in q["sql"] for q in captured)
    # Every count but the stations' served members, whose written definition names
    # contacts and check-ins (analytics.figures.definitions), which no tally holds.
    assert not [q["sql"] for q in captured if _on_records(q["sql"])]
    # A day later (the anchor a day behind): only the day's overdue records are read.
    rollup.rebuild(by=SYSTEM, anchor=overdue_cutoff() - datetime.timedelta(days=1))
    with CaptureQueriesContext(connection) as captured:
        board = figures.dashboard(user, org, from_rollup=True)
    on_records = [
        q["sql"] for q in captured
        if '"members_flowrecord"' in q["sql"] and '"members_contact"' not in q["sql"]
    ]  # fmt: skip
    # One statement: the overdue correction's two halves, each answered by a covering
    # index, and the records a pending check-in serves (decision 204: no statement of
    # their own).
    assert len(on_records) == 1, on_records
    assert "UNION ALL" in on_records[0], on_records
    assert on_records[0].count('"last_contact_on"') >= 2, on_records
    assert '"stations_checkin"' in on_records[0], on_records
    assert board.as_dict() == figures.dashboard(user, org, from_rollup=False).as_dict()


def test_filters_the_rollup_cannot_answer_read_the_records(demo: Any) -> None:
    city, member = demo("user:city"), demo("user:member_jc")
    assert figures.use_rollup(city, figures.FigureFilter())
    assert figures.use_rollup(city, figures.FigureFilter(direction="outflow", status="lost"))
    assert not figures.use_rollup(city, figures.FigureFilter(reason="work"))
    assert not figures.use_rollup(city, figures.FigureFilter(period="2024"))
    assert not figures.use_rollup(member, figures.FigureFilter())
    org = figures.organization_for(city, "")
    flt = figures.FigureFilter(reason="work")
    with CaptureQueriesContext(connection) as captured:
        board = figures.dashboard(city, org, flt)
    assert board.tallies["all"].total > 0
    # Only the stations' attached members, which no filter narrows, come from the rollup.
    summed = [q["sql"] for q in captured if '"analytics_flowtally"' in q["sql"]]
    assert all(sql.startswith('SELECT t."inflow_organization_id", t."status"') for sql in summed)


@pytest.mark.parametrize("days_behind", [1, 30, -3])
def test_the_whole_tree_read_equals_the_gated_read(demo: Any, days_behind: int) -> None:
    """The city's row figures summed from the tables themselves (nothing to filter) equal
    the same sums read through the compiled, gated querysets, with the overdue correction
    of an anchor behind (or ahead of) today's cutoff."""
    city, county = demo("user:city"), demo("user:jingchuan")
    org = figures.organization_for(city, "")
    assert figures.sees_everything(city, org, figures.FigureFilter())
    assert not figures.sees_everything(city, org, figures.FigureFilter(status="managed"))
    assert not figures.sees_everything(city, figures.organization_for(city, "620821"), None)
    assert not figures.sees_everything(county, figures.organization_for(county, ""), None)
    rollup.rebuild(by=SYSTEM, anchor=overdue_cutoff() - datetime.timedelta(days=days_behind))
    with figures.figures_memo():
        children = figures.child_rows_of(org)
        whole, gated = (
            figures.counts(
                city,
                org,
                None,
                figures.ROW_DIMENSIONS,
                children=children,
                from_rollup=True,
                read_whole=read_whole,
            )
            for read_whole in (True, False)
        )
    assert whole and sorted(whole, key=repr) == sorted(gated, key=repr)
    raw = figures.dashboard(city, org, from_rollup=False).as_dict()
    assert figures.dashboard(city, org, from_rollup=True).as_dict() == raw
