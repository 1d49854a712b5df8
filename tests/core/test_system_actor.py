"""The system is an explicit actor (``liudong.core.scope.SYSTEM``), no longer ``by=None``:
the gate allows it, the audit trail names it, and a missing actor is an error."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from liudong.core import audit
from liudong.core.models import AuditEvent
from liudong.core.scope import CHANGE, SYSTEM, may, restrict, scope_of
from liudong.members import actions
from liudong.members.models import Contact, FlowRecord, Member
from tests.members.helpers import make_flow, make_member


@pytest.fixture
def flow(demo: Any) -> FlowRecord:
    lingtai = demo("user:lingtai")
    branch = demo("620822001").children.order_by("code").first()
    member = make_member(lingtai, branch, name="赵六", phone="13912340011")
    return make_flow(lingtai, member)


def _events(obj: Any, verb: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_id=str(obj.pk), verb=verb).order_by("id"))


def test_the_gate_allows_the_system_everything_but_rows_nobody_changes(
    demo: Any, flow: FlowRecord
) -> None:
    assert scope_of(SYSTEM).kind == "all"
    assert may(SYSTEM, flow, CHANGE) and may(SYSTEM, flow.member, CHANGE)
    assert restrict(SYSTEM, Member.objects.filter(pk=flow.member_id), CHANGE).exists()
    event = AuditEvent.objects.order_by("-id").first()
    assert not may(SYSTEM, event, CHANGE)  # the audit trail is append-only for everyone


def test_a_change_by_the_system_is_audited_as_the_system(demo: Any, flow: FlowRecord) -> None:
    contact = actions.log_contact(
        by=SYSTEM, flow=flow, method="phone", on=datetime.date.today(), note="自动"
    )
    assert Contact.objects.get(pk=contact.pk).by is None
    events = _events(contact, "contact.log")
    assert events and all(e.actor_id is None and e.actor_name == "system" for e in events)


def test_the_system_acting_for_a_user_leaves_the_user_named(demo: Any, flow: FlowRecord) -> None:
    lingtai = demo("user:lingtai")
    with audit.action("test.on_behalf", actor=lingtai):
        actions.mark_returned(by=SYSTEM, flow=flow)
    events = _events(flow, "flow.return")
    assert events and all(e.actor_id == lingtai.pk for e in events)


def test_no_actor_is_an_error_not_a_pass(demo: Any, flow: FlowRecord) -> None:
    with pytest.raises(TypeError):
        actions.update_member(by=None, member=flow.member, name="钱七")
    with pytest.raises(TypeError):
        actions.mark_lost(by=None, flow=flow, reason="无法联系")


def test_the_other_actions_refuse_no_actor_and_audit_the_system(demo: Any) -> None:
    """The tree, stations, branch approval and coverage targets (decision 88): ``None`` is
    an error, ``SYSTEM`` passes the checks and is audited as the system."""
    from liudong.analytics import actions as analytics
    from liudong.orgs import actions as orgs
    from liudong.stations import actions as stations
    from liudong.stations.models import Station

    county, station = demo("620821"), Station.objects.order_by("pk").first()
    with pytest.raises(TypeError):
        orgs.create_organization(by=None, parent=county, code="SYS-1", name="甲", kind="branch")
    with pytest.raises(TypeError):
        orgs.update_organization(by=None, organization=county, name="改名")
    with pytest.raises(TypeError):
        stations.rotate_qr_token(by=None, station=station)
    with pytest.raises(TypeError):
        stations.establish_branch(
            by=None, station=station, approved_by=county, approved_on=datetime.date.today()
        )
    with pytest.raises(TypeError):
        analytics.set_coverage_target(
            by=None, organization=county, year=2026, in_province=100, out_of_province=30
        )
    made = orgs.create_organization(
        by=SYSTEM, parent=county, code="SYS-2", name="乙", kind="branch"
    )
    target = analytics.set_coverage_target(
        by=SYSTEM, organization=county, year=2031, in_province=100, out_of_province=30
    )
    for obj, verb in ((made, "org.create"), (target, "coverage_target.set")):
        events = _events(obj, verb)
        assert events and all(e.actor_id is None and e.actor_name == "system" for e in events)
