"""Served by a station, in the rollup (issue 11 item 4 after issue 12; decisions 125–127):
the dashboard's fast count (the records' ``last_served_on`` kept by triggers, the tally's
``served`` on an anchor period start, the day's correction) equals the written rule,
``definitions.served_records``, on random data: contacts at the period's edge, check-ins
made, confirmed, withdrawn and refused, records attached and detached, records closed,
stations closed and opened again, days passing without a write."""

from __future__ import annotations

import datetime
import random
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from liudong.analytics import figures, rollup
from liudong.analytics.figures import FigureFilter, definitions
from liudong.analytics.figures.coverage import Tally
from liudong.analytics.figures.dashboard import served_tallies
from liudong.core.scope import SYSTEM
from liudong.members.models import SERVED_ALWAYS, Contact, FlowRecord
from liudong.orgs.models import Organization
from liudong.stations.models import CheckIn, Station

pytestmark = pytest.mark.django_db
SEED = 20261207
PERIOD = definitions.CONTACT_PERIOD_DAYS


def _figures(tally: Tally) -> tuple[int, int, int, int]:
    return tally.total, tally.managed, tally.registered, tally.lost


def _written(user: Any, org: Organization, flt: Any, today: datetime.date) -> list[tuple]:
    return [
        _figures(definitions.served(user, org, kind, flt, today=today))
        for kind in (definitions.LIAISON, definitions.SERVICE)
    ]


def _fast(user: Any, org: Organization, flt: Any, today: datetime.date, rolled: bool) -> list:
    liaison, service = served_tallies(user, org, flt, today, from_rollup=rolled)
    return [_figures(liaison), _figures(service)]


def _assert_parity(demo: Any, today: datetime.date, step: str) -> None:
    city, county = demo("user:city"), demo("user:jingchuan")
    views = [
        (city, demo("620800"), None),
        (city, demo("620821"), None),
        (county, demo("620821"), None),
        (city, demo("620800"), FigureFilter(status="managed")),  # the rollup answers
        (city, demo("620800"), FigureFilter(reason="work")),  # from the records
        (city, demo("620821"), FigureFilter(direction="inflow")),
        (city, demo("620800-LD05"), None),  # a station's branch: the attached side
    ]
    for n, (user, org, flt) in enumerate(views):
        written = _written(user, org, flt, today)
        for rolled in (True, False):
            assert _fast(user, org, flt, today, rolled) == written, (step, org.code, flt, rolled)
            if n in (0, 2, 4, 6):  # the dashboard reads them with its cube
                board = figures.dashboard(user, org, flt, today=today, from_rollup=rolled)
                shown = [_figures(board.liaison_catchment), _figures(board.service_catchment)]
                assert shown == written, (step, org.code, flt, rolled)
    assert rollup.matches_records(), step


def _contact(flow: FlowRecord, org: Organization, day: datetime.date) -> Contact:
    return Contact.objects.create(flow=flow, contacted_on=day, method="phone", organization=org)


def test_the_fast_count_equals_the_written_rule_on_random_changes(demo: Any) -> None:
    rng = random.Random(SEED)
    today = timezone.localdate()
    stations = list(Station.objects.filter(branch__isnull=False).order_by("code"))
    branches = [s.branch for s in stations]
    others = list(Organization.objects.filter(code__in=["620821", "620822", "620802"]))
    flows = list(FlowRecord.objects.filter(is_open=True).order_by("pk")[:400])
    assert stations and flows
    rollup.rebuild(by=SYSTEM)
    _assert_parity(demo, today, "the demo load")
    served_before = sum(t for t, *_ in _written(demo("user:city"), demo("620800"), None, today))
    edges = (0, 1, PERIOD - 1, PERIOD, PERIOD + 1, PERIOD + 30)
    for step in range(60):
        flow = rng.choice(flows)
        flow.refresh_from_db()
        action = rng.randrange(9)
        if action == 0:  # a contact by a station's staff, on or about the period's edge
            _contact(flow, rng.choice(branches), today - datetime.timedelta(rng.choice(edges)))
        elif action == 1:  # a contact by someone else
            _contact(flow, rng.choice(others), today)
        elif action == 2:  # a check-in, then maybe answered or withdrawn
            if not CheckIn.objects.filter(flow=flow, status__in=["pending", "confirmed"]).exists():
                check_in = CheckIn.objects.create(
                    member_id=flow.member_id, flow=flow, station=rng.choice(stations)
                )
                check_in.status = rng.choice(["pending", "confirmed", "refused", "cancelled"])
                check_in.save()
        elif action == 3:  # an active check-in withdrawn or checked out
            CheckIn.objects.filter(flow=flow, status__in=["pending", "confirmed"]).update(
                status=rng.choice(["cancelled", "checked_out"])
            )
        elif action == 4:  # attached to a station's branch, or let go
            branch = rng.choice([*branches, None])
            FlowRecord.objects.filter(pk=flow.pk).update(inflow_organization=branch)
        elif action == 5:  # the record closed (returned), or opened again
            is_open = not flow.is_open
            FlowRecord.objects.filter(pk=flow.pk).update(
                is_open=is_open, status="registered" if is_open else "returned"
            )
        elif action == 6:  # a station closed or opened again (its save(): every column)
            station = rng.choice(stations)
            station.refresh_from_db()
            station.status = "closed" if station.status == "open" else "open"
            station.save()
        elif action == 7:  # a model's save() sends the value it loaded before a contact
            stale = FlowRecord.objects.get(pk=flow.pk)
            _contact(flow, rng.choice(branches), today)
            stale.save()
        else:  # a contact removed
            Contact.objects.filter(
                pk__in=Contact.objects.filter(flow=flow).values("pk")[:1]
            ).delete()
        if step % 10 == 9:
            _assert_parity(demo, today, f"step {step}")
    _assert_parity(demo, today, "the end")
    # Days pass without a write: the anchor stays, the correction follows the date.
    for days in (1, 2, 30, PERIOD + 1):
        _assert_parity(demo, today + datetime.timedelta(days), f"{days} days on")
    summary = rollup.rebuild(by=SYSTEM)
    assert (summary["drift_served"], summary["served_mended"]) == (0, 0)
    assert served_before > 0


def test_the_anchor_moved_back_is_corrected_the_other_way(demo: Any) -> None:
    today = timezone.localdate()
    rollup.rebuild(by=SYSTEM, since=today - datetime.timedelta(days=PERIOD - 10))
    _assert_parity(demo, today, "anchor ahead of today's period start")
    rollup.rebuild(by=SYSTEM, since=today - datetime.timedelta(days=PERIOD + 10))
    _assert_parity(demo, today, "anchor behind")


def test_the_record_carries_the_rule(demo: Any) -> None:
    station = Station.objects.filter(kind="liaison", status="open").order_by("code").first()
    flow = (
        FlowRecord.objects.filter(is_open=True, direction="outflow", last_served_on__isnull=True)
        .exclude(check_ins__status__in=["pending", "confirmed"])
        .order_by("pk")
        .first()
    )
    assert station is not None and flow is not None
    day = timezone.localdate() - datetime.timedelta(days=PERIOD)
    _contact(flow, station.branch, day)
    flow.refresh_from_db()
    assert flow.last_served_on == day
    # A pending check-in writes nothing to the record (the reader adds it, decision 128);
    # confirmed, the record is served while it lasts.
    check_in = CheckIn.objects.create(member_id=flow.member_id, flow=flow, station=station)
    flow.refresh_from_db()
    assert flow.last_served_on == day
    check_in.status = "confirmed"
    check_in.save()
    flow.refresh_from_db()
    assert flow.last_served_on == SERVED_ALWAYS
    CheckIn.objects.filter(flow=flow).update(status="cancelled")
    flow.refresh_from_db()
    assert flow.last_served_on == day
    station.status = "closed"
    station.save()
    flow.refresh_from_db()
    assert flow.last_served_on is None


def test_a_load_without_triggers_is_mended_by_the_rebuild(demo: Any) -> None:
    served = FlowRecord.objects.filter(last_served_on__isnull=False)
    assert served.exists()
    with connection.cursor() as cursor:  # as a load that bypasses the triggers leaves it
        ids = list(served.values_list("pk", flat=True)[:20])
        marks = ", ".join(["%s"] * len(ids))
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER members_flowrecord_served_update")
        else:
            cursor.execute("SELECT set_config('liudong.served_mend', 'on', true)")
        cursor.execute(
            f"UPDATE members_flowrecord SET last_served_on = NULL WHERE id IN ({marks})", ids
        )
        # ... and the other way: a day on records the rule serves on no day (decision 159:
        # both sides of the check's join).
        unserved = list(
            FlowRecord.objects.filter(last_served_on__isnull=True)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)[:5]
        )
        assert len(unserved) == 5
        cursor.execute(
            "UPDATE members_flowrecord SET last_served_on = %s WHERE id IN (%s, %s, %s, %s, %s)",
            [datetime.date(2020, 1, 1), *unserved],
        )
    assert rollup.served_drift() == len(ids) + 5
    assert not rollup.matches_records()
    summary = rollup.rebuild(by=SYSTEM)
    assert summary["served_mended"] == len(ids) + 5
    assert rollup.matches_records()
    assert not FlowRecord.objects.filter(pk__in=unserved, last_served_on__isnull=False).exists()


def test_pending_check_ins_are_counted_at_read_time_under_filters(demo: Any) -> None:
    """Decision 128: a pending check-in writes nothing to the record or the tally (the
    check-in's hot path); the reader adds the records it alone serves, under every filter
    and scope, and the counts still equal the written rule as the check-ins are answered."""
    rng = random.Random(SEED + 1)
    today = timezone.localdate()
    rollup.rebuild(by=SYSTEM)
    stations = list(Station.objects.order_by("code"))
    closed = stations[0]
    closed.status = "closed"
    closed.save()
    flows = list(
        FlowRecord.objects.filter(is_open=True)
        .exclude(check_ins__status__in=["pending", "confirmed"])
        .order_by("pk")[:300]
    )
    flows = rng.sample(flows, 60)
    assert {f.direction for f in flows} == {"outflow", "inflow"}
    for flow in flows[:15]:  # some served already by a contact, in the period or before it
        station = rng.choice([s for s in stations if s.branch_id])
        _contact(flow, station.branch, today - datetime.timedelta(rng.choice((3, PERIOD + 3))))
    served_on = dict(FlowRecord.objects.values_list("pk", "last_served_on"))
    tally = rollup.stored()
    check_ins = [
        CheckIn.objects.create(member_id=f.member_id, flow=f, station=rng.choice(stations))
        for f in flows
    ]
    # Nothing written to the records or the tally by the pending check-ins.
    assert dict(FlowRecord.objects.values_list("pk", "last_served_on")) == served_on
    assert rollup.stored() == tally
    county = demo("user:jingchuan")
    extra = [
        (county, demo("620821"), FigureFilter(status="registered")),
        (demo("user:city"), demo("620800"), FigureFilter(direction="outflow", status="lost")),
    ]
    for user, org, flt in extra:
        for rolled in (True, False):
            assert _fast(user, org, flt, today, rolled) == _written(user, org, flt, today)
    _assert_parity(demo, today, "pending check-ins")
    written = sum(t for t, *_ in _written(demo("user:city"), demo("620800"), None, today))
    for check_in in check_ins:  # answered: confirmed, refused or withdrawn; some wait on
        check_in.status = rng.choice(["pending", "confirmed", "refused", "cancelled"])
        check_in.save()
    _assert_parity(demo, today, "answered")
    _assert_parity(demo, today + datetime.timedelta(PERIOD), "a period on")
    closed.status = "open"
    closed.save()
    _assert_parity(demo, today, "the closed station open again")
    assert written > 0
