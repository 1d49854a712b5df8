"""Audit rows about objects are read through the scope gate; answering hand-offs is one rule."""

from __future__ import annotations

from typing import Any

import pytest

from liudong.core import audit
from liudong.core.errors import PermissionDenied
from liudong.members import actions
from liudong.members.models import FlowRecord

from ..members.helpers import make_flow, make_member


def test_events_about_other_countys_records_are_empty(demo: Any) -> None:
    lingtai = FlowRecord.objects.filter(home_organization__path__startswith=demo("620822").path)
    pks = list(lingtai.values_list("pk", flat=True)[:5])
    audit.record("update", lingtai.first(), changes={"after": {"status": "managed"}})
    some_events = audit.events_about(demo("user:city"), FlowRecord, pks)
    assert some_events.exists()
    assert not audit.events_about(demo("user:jingchuan"), FlowRecord, pks).exists()


def test_sender_may_not_answer_own_handoff(demo: Any) -> None:
    county = demo("user:jingchuan")
    member = make_member(county, demo("620821001").children.first())
    flow = actions.check_in(
        by=county, flow=make_flow(county, member), inflow_organization=demo("620800-LD05")
    )
    handoff = actions.raise_handoff(by=county, flow=flow, kind="visit")
    # 泾川's scope covers its own station LD05, yet the sender cannot answer its own request.
    assert not actions.may_answer(county, handoff)
    with pytest.raises(PermissionDenied):
        actions.complete_handoff(by=county, handoff=handoff)
    assert actions.may_answer(demo("user:station05"), handoff)
