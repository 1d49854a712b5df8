"""The census's station column (issue 12, item 3): the station a member is attached to,
resolved among the city's stations, not only the importing county's."""

from __future__ import annotations

from typing import Any

import pytest

from liudong.census import actions
from liudong.core.scope import SYSTEM
from liudong.members.models import FlowRecord, Member

from .conftest import id_number, row, workbook_bytes

pytestmark = pytest.mark.django_db


def _inflow(**values: Any) -> dict[str, Any]:
    base = row(
        id_number=id_number(place="610113"),
        direction="流入",
        home_organization_name="西安市雁塔区某社区党支部",
        origin="陕西省西安市雁塔区",
        destination="",
        reason="务工经商",
    )
    base.update(values)
    return base


def test_an_inflow_member_attached_to_a_city_station(run_file: Any, demo: Any) -> None:
    station = demo("620800-LD09")  # 崆峒区's service station
    county = demo("620821")
    assert not station.path.startswith(county.path)  # another county's, not 泾川's
    one = _inflow(station=station.name)
    submission = run_file(workbook_bytes([one]), county="620821")
    assert submission.state == "validated", list(submission.problems.values_list("message"))
    assert submission.rows_new == 1
    actions.request_commit(by=SYSTEM, submission=submission)
    assert actions.run_commit(submission.pk).state == "committed"
    member = Member.objects.get(
        name=one["name"], home_organization_name=one["home_organization_name"]
    )
    flow = FlowRecord.objects.get(member=member, is_open=True)
    assert flow.direction == "inflow" and flow.inflow_organization == station
    assert flow.destination_place_id == "620821"  # where they live: the importing county


def test_an_outflow_member_expected_at_a_station(run_file: Any, branch: Any, demo: Any) -> None:
    station = demo("620800-LD01")
    submission = run_file(
        workbook_bytes([row(organization=branch.name, station=station.code)]), county="620821"
    )
    assert submission.state == "validated" and submission.rows_new == 1


def test_an_unknown_station_and_an_inflow_row_naming_neither(run_file: Any) -> None:
    submission = run_file(
        workbook_bytes([_inflow(station="不存在的服务站"), _inflow()]), county="620821"
    )
    found = dict(submission.problems.values_list("row_number", "code"))
    assert found == {2: "station_unknown", 3: "required"}
    assert submission.rows_new == 0
