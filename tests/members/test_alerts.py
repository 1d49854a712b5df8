"""The alert scan on hand-built records: thresholds, idempotence, resolution, sides."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from liudong.core.models import AuditEvent
from liudong.members import actions, alerts, tasks
from liudong.members.models import Alert, AlertKind, FlowRecord
from liudong.regions.models import Place

from .helpers import id_number, make_flow

TODAY = timezone.localdate()
_births = itertools.count()


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def county(demo: Any) -> Any:
    return demo("user:jingchuan")


@pytest.fixture
def branch(demo: Any) -> Any:
    return demo("620821001").children.order_by("code").first()


@pytest.fixture
def record(county: Any, branch: Any) -> Any:
    """record(left=days ago, contact=days ago or None) → an open outflow record."""

    def make(left: int = 400, contact: int | None = None, **extra: Any) -> FlowRecord:
        # A birth date of its own per member: the number stays unique however many
        # numbers other tests drew from the helper's sequence (it wraps after 500).
        birth = datetime.date(1980, 1, 1) + datetime.timedelta(days=next(_births))
        member = actions.create_member(
            by=county,
            name="张三",
            sex="1",
            ethnicity="01",
            birth_date=None,
            id_number=id_number(branch.place_id, birth=birth),
            phone="13800001111",
            education="21",
            joined_on=datetime.date(2010, 7, 1),
            membership="full",
            home_organization=branch,
            home_organization_name="",
            home_place=None,
        )
        flow = make_flow(county, member, left_on=ago(left), **extra)
        if contact is not None:
            actions.log_contact(by=county, flow=flow, method="phone", on=ago(contact))
            flow.refresh_from_db()
        return flow

    return make


def kinds(flow: FlowRecord, *, resolved: bool = False) -> set[str]:
    return set(flow.alerts.filter(resolved=resolved).values_list("kind", flat=True))


def test_overdue_threshold_is_90_days(record: Any) -> None:
    fresh, due = record(contact=89), record(contact=90)
    alerts.scan(TODAY)
    assert AlertKind.OVERDUE_CONTACT not in kinds(fresh)
    assert AlertKind.OVERDUE_CONTACT in kinds(due)


def test_never_contacted_counts_from_leaving(record: Any) -> None:
    fresh, due = record(left=89), record(left=90)
    alerts.scan(TODAY)
    assert kinds(fresh) == set()
    assert kinds(due) == {AlertKind.OVERDUE_CONTACT}


def test_suggest_lost_threshold_is_180_days(record: Any) -> None:
    fresh, due = record(contact=179), record(contact=180)
    alerts.scan(TODAY)
    assert kinds(fresh) == {AlertKind.OVERDUE_CONTACT}
    assert kinds(due) == {AlertKind.OVERDUE_CONTACT, AlertKind.SUGGEST_LOST}


def test_records_marked_lost_get_no_suggestion(record: Any, county: Any) -> None:
    flow = record(contact=200)
    alerts.scan(TODAY)
    assert AlertKind.SUGGEST_LOST in kinds(flow)
    actions.mark_lost(by=county, flow=flow, reason="电话停机")
    alerts.scan(TODAY)
    assert kinds(flow) == {AlertKind.OVERDUE_CONTACT}
    assert kinds(flow, resolved=True) == {AlertKind.SUGGEST_LOST}


def test_yearly_report(record: Any) -> None:
    reported = record(left=400, contact=364)
    silent = record(left=400, contact=365)
    recent = record(left=364)
    alerts.scan(TODAY)
    assert AlertKind.YEARLY_REPORT not in kinds(reported)
    assert AlertKind.YEARLY_REPORT in kinds(silent)
    assert AlertKind.YEARLY_REPORT not in kinds(recent)


@override_settings(LIUDONG_CONTACT_OVERDUE_DAYS=30, LIUDONG_LOST_SUGGEST_DAYS=60)
def test_thresholds_come_from_settings(record: Any) -> None:
    flow = record(contact=61)
    alerts.scan(TODAY)
    assert kinds(flow) == {AlertKind.OVERDUE_CONTACT, AlertKind.SUGGEST_LOST}


def test_second_scan_adds_nothing(record: Any) -> None:
    flow = record(left=500, contact=400)
    first = alerts.scan(TODAY)
    assert first["raised_overdue_contact"] >= 1
    second = alerts.scan(TODAY)
    assert all(value == 0 for key, value in second.items() if key != "open")
    assert second["open"] == first["open"]
    assert flow.alerts.count() == 3


def test_one_audit_row_per_scan(record: Any) -> None:
    record(contact=200)
    before = AuditEvent.objects.filter(verb="alert.scan").count()
    counts = alerts.scan(TODAY)
    rows = AuditEvent.objects.filter(verb="alert.scan")
    assert rows.count() == before + 1
    assert f'"raised_overdue_contact": {counts["raised_overdue_contact"]}' in rows.first().detail


def test_contact_resolves_through_the_action(record: Any, county: Any) -> None:
    flow = record(left=500, contact=400)
    alerts.scan(TODAY)
    actions.log_contact(by=county, flow=flow, method="visit")
    assert kinds(flow) == {AlertKind.YEARLY_REPORT}  # contact by the branch is no report
    alerts.scan(TODAY)
    assert kinds(flow) == set()


def test_scan_resolves_after_a_contact_written_elsewhere(record: Any) -> None:
    """A bulk import may set the last contact without touching alerts: the scan settles them."""
    flow = record(contact=200)
    alerts.scan(TODAY)
    FlowRecord.objects.filter(pk=flow.pk).update(last_contact_on=ago(10))
    counts = alerts.scan(TODAY)
    assert counts["resolved_overdue_contact"] >= 1 and counts["resolved_suggest_lost"] >= 1
    assert AlertKind.OVERDUE_CONTACT in kinds(flow, resolved=True)
    assert AlertKind.OVERDUE_CONTACT not in kinds(flow)
    resolved = flow.alerts.get(kind=AlertKind.OVERDUE_CONTACT)
    assert resolved.resolved_on == TODAY and resolved.note


def test_closed_records_alerts_are_resolved(record: Any, county: Any) -> None:
    returned, closed_elsewhere = record(left=500, contact=400), record(left=500, contact=400)
    alerts.scan(TODAY)
    actions.mark_returned(by=county, flow=returned, reason="返乡")
    FlowRecord.objects.filter(pk=closed_elsewhere.pk).update(is_open=False, status="returned")
    alerts.scan(TODAY)
    for flow in (returned, closed_elsewhere):
        assert kinds(flow) == set()
        assert kinds(flow, resolved=True) == {
            AlertKind.OVERDUE_CONTACT,
            AlertKind.SUGGEST_LOST,
            AlertKind.YEARLY_REPORT,
        }


def test_alert_goes_to_the_home_side(record: Any, county: Any, branch: Any, demo: Any) -> None:
    flow = record(contact=100)
    actions.check_in(by=county, flow=flow, inflow_organization=demo("620800-LD05"), on=ago(99))
    alerts.scan(TODAY)
    alert = flow.alerts.get(kind=AlertKind.OVERDUE_CONTACT)
    assert alert.organization == branch


def test_inflow_record_goes_to_the_inflow_side(demo: Any) -> None:
    city = demo("user:city")
    station = demo("620800-LD09")
    member = actions.create_member(
        by=city,
        name="马明",
        sex="1",
        ethnicity="03",
        birth_date=None,
        id_number=id_number("621102"),
        phone="13900002222",
        education="31",
        joined_on=datetime.date(2012, 7, 1),
        membership="full",
        home_organization=None,
        home_organization_name="定西市安定区中川村党支部",
        home_place=Place.objects.get(code="621102"),
    )
    flow = actions.register_flow(
        by=city,
        member=member,
        direction="inflow",
        destination_place=Place.objects.get(code="620802"),
        reason="work",
        left_on=ago(120),
        inflow_organization=station,
    )
    alerts.scan(TODAY)
    alert = flow.alerts.get(kind=AlertKind.OVERDUE_CONTACT)
    assert alert.organization == station


def test_command_and_task(record: Any, capsys: Any) -> None:
    flow = record(contact=95)
    call_command("scan_alerts", "--today", TODAY.isoformat())
    out = capsys.readouterr().out
    assert "raised_overdue_contact" in out and "open" in out
    assert AlertKind.OVERDUE_CONTACT in kinds(flow)
    with pytest.raises(CommandError):
        call_command("scan_alerts", "--today", "31.12.2025")
    counts = tasks.scan_alerts.apply().get()
    assert counts["raised_overdue_contact"] == 0


def test_scan_as_of_another_day(record: Any) -> None:
    flow = record(contact=30)
    alerts.scan(TODAY)
    assert kinds(flow) == set()
    alerts.scan(TODAY + datetime.timedelta(days=60))
    assert kinds(flow) == {AlertKind.OVERDUE_CONTACT}
    assert Alert.objects.get(flow=flow).raised_on == TODAY + datetime.timedelta(days=60)
