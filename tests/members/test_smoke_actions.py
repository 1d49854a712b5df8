"""The ledger's actions work end to end (the detailed rules are in the other test files)."""

from __future__ import annotations

from typing import Any

from liudong.members import actions
from liudong.members.models import FlowScope, FlowStatus

from .helpers import make_flow, make_member


def test_member_flow_contact_handoff_round_trip(demo: Any) -> None:
    county = demo("user:jingchuan")
    branch = demo("620821001").children.first()
    member = make_member(county, branch)
    assert member.id_number_masked.startswith(branch.place_id) and "*" in member.id_number_masked
    flow = make_flow(county, member)
    assert flow.flow_scope == FlowScope.OUT_OF_PROVINCE and flow.status == FlowStatus.REGISTERED
    station = demo("620800-LD05")
    flow = actions.check_in(by=county, flow=flow, inflow_organization=station)
    assert flow.status == FlowStatus.MANAGED
    member.refresh_from_db()
    assert member.inflow_organization == station
    actions.log_contact(by=county, flow=flow, method="phone", note="电话联系")
    handoff = actions.raise_handoff(by=county, flow=flow, kind="visit", message="请走访")
    assert handoff.to_organization == station
    done = actions.complete_handoff(by=demo("user:station05"), handoff=handoff, response="已走访")
    assert done.state == "done"
    closed = actions.mark_returned(by=county, flow=flow, reason="返乡")
    assert not closed.is_open
    member.refresh_from_db()
    assert member.inflow_organization is None
