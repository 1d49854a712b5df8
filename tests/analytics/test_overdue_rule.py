"""Contact overdue is one rule (decision 74): a record last contacted, or never contacted and
left, N-1, N and N+1 days ago is counted the same by the alert scan, the ledger's filter and
rows, the member's page, the API, the export, the dashboard and the rollup: day N is overdue,
day N-1 not yet."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from liudong.analytics import figures, rollup
from liudong.core.scope import SYSTEM
from liudong.members import alerts, export
from liudong.members.models import Alert, AlertKind, FlowRecord
from liudong.members.overdue import overdue_cutoff, overdue_days
from liudong.members.queries import ledger_rows, member_flows
from liudong.orgs import actions as org_actions
from liudong.orgs.models import Organization, OrgKind
from tests.members.helpers import make_member

TODAY = timezone.localdate()


@dataclass
class Boundary:
    county: Organization
    records: dict[FlowRecord, bool]  # record → overdue by the rule

    @property
    def overdue(self) -> set[int]:
        return {f.pk for f, late in self.records.items() if late}

    @property
    def pks(self) -> set[int]:
        return {f.pk for f in self.records}


def _ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def _boundary(demo: Any, days: int) -> Boundary:
    """A county of its own with six open out-of-province records: contacted, and never
    contacted (counted from leaving), ``days`` - 1, ``days`` and ``days`` + 1 days ago."""
    root = demo("620800")
    county = org_actions.create_organization(
        by=SYSTEM, parent=root, code="OVD-C", name="逾期县", short_name="逾期县",
        kind=OrgKind.COUNTY_COMMITTEE,
    )  # fmt: skip
    branch = org_actions.create_organization(
        by=SYSTEM, parent=county, code="OVD-B", name="逾期村", short_name="逾期村",
        kind=OrgKind.BRANCH,
    )  # fmt: skip
    records: dict[FlowRecord, bool] = {}
    phones = iter(range(13700000000, 13700000100))
    for never_contacted in (False, True):
        for silent in (days - 1, days, days + 1):
            member = make_member(SYSTEM, branch, phone=str(next(phones)))
            left = _ago(silent) if never_contacted else _ago(days + 200)
            flow = FlowRecord.objects.create(
                member=member, direction="outflow", flow_scope="out_of_province",
                origin_place_id="620821", destination_place_id="610113", reason="work",
                left_on=left, home_organization=branch, status="managed", is_open=True,
                status_changed_on=left,
                last_contact_on=None if never_contacted else _ago(silent),
            )  # fmt: skip
            records[flow] = silent >= days
    return Boundary(county, records)


@pytest.fixture(params=[90, 30], ids=["default-90-days", "setting-30-days"])
def boundary(request: Any, demo: Any) -> Any:
    with override_settings(LIUDONG_CONTACT_OVERDUE_DAYS=request.param):
        assert overdue_days() == request.param
        yield _boundary(demo, request.param)


def test_day_n_is_overdue_by_the_cutoff(boundary: Boundary) -> None:
    assert overdue_cutoff(TODAY) == _ago(overdue_days() - 1)
    assert len(boundary.overdue) == 4


def test_the_alert_scan(boundary: Boundary) -> None:
    alerts.scan(TODAY)
    raised = set(
        Alert.objects.filter(
            flow__in=boundary.pks, kind=AlertKind.OVERDUE_CONTACT, resolved=False
        ).values_list("flow_id", flat=True)
    )
    assert raised == boundary.overdue


def test_the_ledger_filter_rows_and_member_page(boundary: Boundary, demo: Any) -> None:
    city = demo("user:city")
    filtered = ledger_rows(city, "out_of_province", {"overdue": "1", "county": "OVD-C"})
    assert {f.pk for f in filtered} == boundary.overdue
    rows = ledger_rows(city, "out_of_province", {"county": "OVD-C"})
    assert {f.pk for f in rows if f.contact_overdue} == boundary.overdue
    for flow in boundary.records:
        (shown,) = member_flows(city, flow.member)
        assert bool(shown.contact_overdue) == (flow.pk in boundary.overdue)


def test_the_api(boundary: Boundary, demo: Any) -> None:
    client = APIClient()
    client.force_authenticate(demo("user:city"))
    found = set()
    for flow in boundary.records:
        for value in ("true", "false"):
            response = client.get(
                "/api/v1/flow-records/", {"overdue": value, "member": flow.member_id}
            )
            assert response.status_code == 200, response.content[:300]
            if value == "true" and response.json()["results"]:
                found.add(flow.pk)
            if value == "false":
                assert bool(response.json()["results"]) == (flow.pk not in boundary.overdue)
    assert found == boundary.overdue


def test_the_export(boundary: Boundary, demo: Any) -> None:
    made = export.export_ledger(demo("user:city"), "out_of_province", {"county": "OVD-C"})
    sheet = load_workbook(io.BytesIO(made.file.read())).active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=False)) for r in sheet.iter_rows(2, values_only=True)]
    keys = {export.row_key(f): f.pk for f in boundary.records}
    marked = {keys[r[export.KEY_HEADER]] for r in rows if r["联系逾期"] == "是"}
    assert len(rows) == len(boundary.records)
    assert marked == boundary.overdue


@pytest.mark.parametrize("anchor_behind", [None, 0, 3, -2])
def test_the_dashboard_and_the_rollup(boundary: Boundary, demo: Any, anchor_behind: Any) -> None:
    """From the records, and from the rollup with its anchor on today's cutoff (the
    triggers' counts alone), behind it and ahead of it (the day's correction)."""
    if anchor_behind is not None:
        rollup.rebuild(by=SYSTEM, anchor=overdue_cutoff() - datetime.timedelta(days=anchor_behind))
    user = demo("user:city")
    for from_rollup in (False, True):
        board = figures.dashboard(user, boundary.county, from_rollup=from_rollup)
        assert board.tallies["all"].total == len(boundary.records)
        assert board.tallies["all"].overdue == len(boundary.overdue), from_rollup
        rows, total = figures.org_rows(user, boundary.county, from_rollup=from_rollup)
        assert total.all.overdue == len(boundary.overdue), from_rollup
