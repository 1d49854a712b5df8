"""Each wired event notifies the people it concerns, and nobody of another county."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from liudong.core.scope import SYSTEM
from liudong.members import actions as ledger
from liudong.members import alerts
from liudong.members.models import Alert, FlowRecord, Handoff, HandoffKind
from liudong.notifications import kinds
from liudong.notifications.models import Notification
from liudong.notifications.recipients import staff_of
from liudong.orgs.models import Organization
from liudong.stations import actions as stations
from tests.stations.helpers import member_with_account, station

pytestmark = pytest.mark.django_db


def _told(kind: str, **source: Any) -> list[Notification]:
    rows = Notification.objects.filter(kind=kind).select_related("recipient__organization")
    if "pk" in source:
        rows = rows.filter(source_id=str(source["pk"]))
    return list(rows)


def _outside(rows: list[Notification], path: str) -> list[str]:
    """Recipients whose organization is not at or below ``path``."""
    return [
        n.recipient.username
        for n in rows
        if not (n.recipient.organization and n.recipient.organization.path.startswith(path))
    ]


def test_a_new_check_in_tells_the_stations_staff_only(demo: Any) -> None:
    user, member, _flow = member_with_account(demo)
    yanta = station(5)  # 雁塔, run by 泾川
    check_in, created = stations.request_check_in(by=user, station=yanta)
    assert created
    rows = _told("checkin.pending", pk=check_in.pk)
    assert {n.recipient.username for n in rows} == {"station05"}
    assert not _outside(rows, yanta.branch.path)
    title, _body = kinds.render(rows[0].kind, rows[0].params)
    assert member.name in title and yanta.name in title
    # asking again (the same active check-in) tells nobody again
    again, created = stations.request_check_in(by=user, station=yanta)
    assert not created and again.pk == check_in.pk
    assert len(_told("checkin.pending", pk=check_in.pk)) == 1


def test_a_token_check_in_tells_the_staff_too(demo: Any) -> None:
    from rest_framework.authtoken.models import Token

    user, _member, _flow = member_with_account(demo, county="620822", to="610112")
    key = Token.objects.create(user=user).key
    asked = stations.check_in_with_token(token_key=key, station_code="620800-ST06")
    assert asked is not None and asked.created
    rows = _told("checkin.pending", pk=asked.check_in.pk)
    assert {n.recipient.username for n in rows} == {"station06"}


def test_confirmed_and_refused_tell_the_member(demo: Any) -> None:
    staff = demo("user:station05")
    user, _member, _flow = member_with_account(demo)
    check_in, _ = stations.request_check_in(by=user, station=station(5))
    stations.confirm_check_in(by=staff, check_in=check_in)
    rows = _told("checkin.confirmed", pk=check_in.pk)
    assert [n.recipient_id for n in rows] == [user.pk]
    assert rows[0].link == f"/m/check-ins/{check_in.pk}/"
    other, _member, _flow = member_with_account(demo)
    refused, _ = stations.request_check_in(by=other, station=station(5))
    stations.refuse_check_in(by=staff, check_in=refused, reason="不在服务范围")
    rows = _told("checkin.refused", pk=refused.pk)
    assert [n.recipient_id for n in rows] == [other.pk]
    assert "不在服务范围" not in str(rows[0].params)  # the reason is read on the page


def test_a_hand_off_tells_the_receiving_side_and_a_refusal_the_sender(demo: Any) -> None:
    staff = demo("user:station05")
    yanta = station(5)
    flow = (
        FlowRecord.objects.filter(is_open=True, inflow_organization=yanta.branch)
        .exclude(home_organization=None)
        .first()
    )
    assert flow is not None
    county = demo("620821")
    handoff = ledger.raise_handoff(
        by=staff, flow=flow, kind=HandoffKind.VISIT, message="请走访", to_organization=county
    )
    rows = _told("handoff.received", pk=handoff.pk)
    assert {n.recipient.username for n in rows} == set(
        staff_of(county).values_list("username", flat=True)
    )
    assert "jingchuan" in {n.recipient.username for n in rows}
    assert not _outside(rows, county.path)
    ledger.refuse_handoff(by=demo("user:jingchuan"), handoff=handoff, reason="已走访过")
    back = _told("handoff.refused", pk=handoff.pk)
    assert {n.recipient.username for n in back} == {"station05"}
    assert Handoff.objects.get(pk=handoff.pk).state == "refused"


def test_alerts_raised_tell_the_organization_they_reach(demo: Any) -> None:
    has_staff = Organization.objects.filter(users__role__in=["branch_secretary", "station_staff"])
    taken = list(Alert.objects.filter(resolved=False, organization__in=has_staff)[:3])
    assert taken, "the demo has open alerts at an organization with staff"
    Alert.objects.filter(pk__in=[a.pk for a in taken]).delete()
    newest = Alert.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    before = set(Notification.objects.filter(kind="alerts.raised").values_list("pk", flat=True))
    alerts.scan(today=timezone.localdate())
    new = [n for n in _told("alerts.raised") if n.pk not in before]
    raised = Alert.objects.filter(pk__gt=newest)
    reached = set(raised.values_list("organization_id", flat=True))
    assert {a.organization_id for a in taken} <= reached
    # exactly the staff of the organizations the new alerts reached, with their counts
    assert {n.recipient_id for n in new} == set(staff_of(*reached).values_list("pk", flat=True))
    for n in new:
        org = n.recipient.organization_id
        assert int(n.params["count"]) == raised.filter(organization_id=org).count()
    assert all(int(n.params["count"]) >= 1 for n in new)
    # a second scan raises nothing and tells nobody
    count = Notification.objects.filter(kind="alerts.raised").count()
    alerts.scan(today=timezone.localdate())
    assert Notification.objects.filter(kind="alerts.raised").count() == count


def test_alerts_escalated_tell_the_organization_above(demo: Any) -> None:
    later = timezone.localdate() + datetime.timedelta(days=400)
    counts = ledger.escalate_alerts(by=SYSTEM, today=later)
    assert counts["escalated"] > 0
    targets = set(
        Alert.objects.filter(escalated_at=later).values_list("escalated_to_id", flat=True)
    )
    rows = _told("alerts.escalated")
    assert rows
    assert {n.recipient.organization_id for n in rows} <= targets
    told_orgs = {n.recipient.organization_id for n in rows}
    assert told_orgs == set(staff_of(*targets).values_list("organization_id", flat=True))
    per_org = {n.recipient.organization_id: int(n.params["count"]) for n in rows}
    for org_id, count in per_org.items():
        assert count == Alert.objects.filter(escalated_at=later, escalated_to_id=org_id).count()
