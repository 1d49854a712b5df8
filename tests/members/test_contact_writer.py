"""The set-based contact writer (``members.actions.write_contacts``) against ``log_contact``:
the same contacts give the same contact rows, the same last contact on each record, the
same alerts resolved (on the first contact's date, by its author) and equivalent audit
rows; and its refusals (another county's side, a method, a date, a closed record's later
contact) write nothing."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from liudong.core.errors import DomainError
from liudong.core.models import AuditEvent
from liudong.members import actions
from liudong.members.models import Alert, Contact, FlowRecord
from liudong.orgs.models import Organization
from tests.members.helpers import make_flow, make_member

D1, D2, D3 = datetime.date(2024, 5, 2), datetime.date(2024, 7, 9), datetime.date(2024, 6, 1)


class _Done(Exception):
    pass


def _state(mark: int) -> dict[str, Any]:
    contacts = sorted(
        (c.flow_id, str(c.contacted_on), c.method, c.by_id, c.organization_id, c.note)
        for c in Contact.objects.filter(pk__gt=0)
    )
    flows = dict(FlowRecord.objects.values_list("pk", "last_contact_on"))
    alerts = sorted(
        Alert.objects.values_list("pk", "resolved", "resolved_on", "resolved_by", "note")
    )
    audit = sorted(
        (
            e.kind,
            e.verb,
            e.content_type.model,
            e.object_repr,
            e.org_path,
            e.actor_id,
            str(sorted((e.changes.get("after") or {}).keys())),
            str(
                {
                    k: v
                    for k, v in (e.changes.get("after") or {}).items()
                    if k not in ("id", "created_at")
                }
            ),
        )
        for e in AuditEvent.objects.filter(pk__gt=mark).select_related("content_type")
    )
    return {"contacts": contacts, "flows": flows, "alerts": alerts, "audit": audit}


def _run(work: Callable[[], Any]) -> dict[str, Any]:
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            try:
                work()
            except DomainError as exc:
                result["refused"] = exc.code
            result.update(_state(mark))
            raise _Done
    except _Done:
        pass
    return result


@pytest.fixture
def records(demo: Any) -> tuple[Any, Any, Any]:
    county = demo("user:jingchuan")
    branch = Organization.objects.filter(path__startswith=county.organization.path, kind="branch")
    home = branch.order_by("code").first()
    first = make_flow(county, make_member(county, home, name="钱一", phone="13800002221"))
    second = make_flow(county, make_member(county, home, name="钱二", phone="13800002222"))
    Alert.objects.create(
        flow=first, organization=first.home_organization, kind="overdue_contact", raised_on=D1
    )
    Alert.objects.create(
        flow=first, organization=first.home_organization, kind="yearly_report", raised_on=D1
    )
    return county, first, second


def test_the_same_as_one_contact_at_a_time(records: Any) -> None:
    county, first, second = records
    given = [
        (first, D1, "phone", "电话联系"),
        (first, D2, "visit", " 上门 "),
        (second, D3, "message", ""),
    ]

    def single() -> None:
        for flow, on, method, note in given:
            actions.log_contact(
                by=county, flow=FlowRecord.objects.get(pk=flow.pk), method=method, on=on, note=note
            )

    def bulk() -> None:
        rows = [
            Contact(
                flow_id=flow.pk,
                contacted_on=on,
                method=method,
                note=note,
                by=county,
                organization=flow.home_organization,
            )
            for flow, on, method, note in given
        ]
        assert len(actions.write_contacts(rows, by=county)) == 3

    one, many = _run(single), _run(bulk)
    assert one == many
    assert many["flows"][first.pk] == D2 and many["flows"][second.pk] == D3
    resolved = [a for a in many["alerts"] if a[1]]
    assert len(resolved) == 1 and resolved[0][2] == D1  # the overdue one; the yearly stays
    assert [a[0] for a in many["audit"]].count("create") == 3


def test_refusals_write_nothing(records: Any, demo: Any) -> None:
    county, first, second = records
    other = demo("user:lingtai")  # another county's administrator

    def contact(flow: Any, **extra: Any) -> Contact:
        values = {
            "flow_id": flow.pk,
            "contacted_on": D1,
            "method": "phone",
            "by": county,
            "organization": flow.home_organization,
        }
        return Contact(**(values | extra))

    closed = FlowRecord.objects.get(pk=second.pk)
    cases = [
        ("not_found", other, [contact(first, by=other)]),
        ("method_invalid", county, [contact(first), contact(second, method="pigeon")]),
        ("date_too_early", county, [contact(first, contacted_on=datetime.date(2020, 1, 1))]),
        ("date_in_future", county, [contact(first, contacted_on=datetime.date(2999, 1, 1))]),
    ]
    before = Contact.objects.count()
    for code, by, rows in cases:
        with pytest.raises(DomainError) as refused:
            actions.write_contacts(rows, by=by)
        assert refused.value.code == code
    actions.mark_returned(by=county, flow=closed, reason="返乡", on=D3)
    with pytest.raises(DomainError) as refused:
        actions.write_contacts([contact(second, contacted_on=D2)], by=county)
    assert refused.value.code == "record_closed"
    assert actions.write_contacts([contact(second, contacted_on=D1)], by=county)  # before
    assert Contact.objects.count() == before + 1
    assert FlowRecord.objects.get(pk=first.pk).last_contact_on is None
