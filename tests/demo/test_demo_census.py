"""The demo ledger entered through the census (issue 12, item 3): the demo round's seven
committed files found every member, each traced to a file and a row; inflow members are in
the file of the county where they live, with their station resolved city-wide; a second
round is in progress with every state; the dashboard's figure is the census's."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from liudong.census.models import CensusEntry, CensusRound, SubmissionState
from liudong.demo import census as demo_census
from liudong.demo import census_import
from liudong.members.models import Direction, FlowRecord, Member
from liudong.orgs.models import Organization, OrgKind

from ..conftest import DEMO_LEDGER_MEMBERS

pytestmark = pytest.mark.django_db


def _demo_round() -> CensusRound:
    return CensusRound.objects.get(name=census_import.ROUND_NAME)


def test_every_demo_member_was_found_by_a_committed_file(demo: Any) -> None:
    census_round = _demo_round()
    subs = list(census_round.submissions.select_related("county"))
    assert len(subs) == 7
    assert {s.state for s in subs} == {SubmissionState.COMMITTED}
    assert {s.county.code for s in subs} == set(
        Organization.objects.filter(kind=OrgKind.COUNTY_COMMITTEE).values_list("code", flat=True)
    )
    assert sum(s.rows_new for s in subs) == DEMO_LEDGER_MEMBERS
    assert not any(s.rows_rejected or s.problem_count or s.rows_conflict for s in subs)
    # Every member traces to a file and a row of it.
    entries = CensusEntry.objects.filter(submission__round=census_round, outcome="new")
    traced = dict(entries.values_list("id_number_index", "submission__county__code"))
    members = Member.objects.values_list("id_number_index", flat=True)
    assert set(members) <= set(traced)
    rows = Counter(entries.values_list("submission_id", "row_number"))
    assert max(rows.values()) == 1  # one person per row


def test_inflow_members_are_in_the_file_of_the_county_where_they_live(demo: Any) -> None:
    census_round = _demo_round()
    traced = dict(
        CensusEntry.objects.filter(submission__round=census_round).values_list(
            "id_number_index", "submission__county__code"
        )
    )
    inflow = FlowRecord.objects.filter(direction=Direction.INFLOW).select_related(
        "member", "inflow_organization"
    )
    assert inflow.exists()
    away = 0
    for flow in inflow:
        assert traced[flow.member.id_number_index] == flow.destination_place_id
        station = flow.inflow_organization
        assert station is not None and station.kind == OrgKind.MOBILE_BRANCH
        county = Organization.objects.get(code=flow.destination_place_id)
        away += not station.path.startswith(county.path)
    # Stations are the city's: most inflow members are served outside their county's tree.
    assert away > 0


def test_what_the_template_cannot_carry_is_applied_afterwards(demo: Any) -> None:
    statuses = Counter(FlowRecord.objects.filter(is_open=True).values_list("status", flat=True))
    assert statuses["managed"] and statuses["registered"] and statuses["lost"]
    assert FlowRecord.objects.filter(is_open=False).exists()  # closed earlier stays
    assert Member.objects.filter(user__isnull=False).exists()  # the member logins
    assert not FlowRecord.objects.filter(status_reason="Found in the census").exists()


def test_the_second_round_is_in_progress_with_every_state(demo: Any) -> None:
    second = CensusRound.objects.get(name=demo_census.ROUND_NAME)
    assert second.pk > _demo_round().pk
    states = set(second.submissions.values_list("state", flat=True))
    assert {
        SubmissionState.COMMITTED,
        SubmissionState.VALIDATED,
        SubmissionState.REJECTED,
        SubmissionState.SUPERSEDED,
    } <= states
    counties = set(second.submissions.values_list("county_id", flat=True))
    assert 0 < len(counties) < 7


def test_dashboard_members_found_equals_the_latest_complete_round(login: Any) -> None:
    client = login("city")
    rounds = client.get("/api/v1/census/rounds/").json()
    by_name = {r["name"]: r for r in rounds["results"]}
    assert by_name[census_import.ROUND_NAME]["complete"] is True
    assert by_name[demo_census.ROUND_NAME]["complete"] is False
    latest = next(r for r in rounds["results"] if r["id"] == rounds["latest_complete"])
    assert latest["name"] == census_import.ROUND_NAME
    assert latest["members_found"] == DEMO_LEDGER_MEMBERS
    board = client.get("/api/v1/analytics/dashboard/").json()
    assert board["members_found"] == latest["members_found"]
    assert board["members_open"] == FlowRecord.objects.filter(is_open=True).count()


def test_a_bad_demo_file_stops_the_load(demo: Any) -> None:
    """The generator and the template must agree: a refused row is an error, not a state."""
    from liudong.core.scope import SYSTEM

    census_round = CensusRound.objects.create(name="演示导入自检", deadline=_demo_round().deadline)
    county = Organization.objects.get(code="620821")
    content = census_import.workbook([{"name": "张三", "id_number": "123"}])
    submission = census_import.upload(census_round, county, content, by=SYSTEM)
    assert submission.state == SubmissionState.VALIDATED and submission.rows_rejected == 1
    assert "not clean" in str(census_import._refuse(submission))
