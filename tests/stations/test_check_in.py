"""Check-in: asking (idempotent), confirming, refusing, cancelling, checking out, and the
mobile branch's establishment rule."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from liudong.core.errors import DomainError
from liudong.core.scope import visible_to
from liudong.members.models import FlowRecord, FlowStatus
from liudong.stations import actions
from liudong.stations.models import CheckIn, CheckInStatus, StationStatus
from tests.stations.helpers import member_with_account, station


def test_asking_twice_makes_one_check_in(demo: Any) -> None:
    user, member, flow = member_with_account(demo)
    first, created = actions.request_check_in(by=user, station=station(5))
    again, created_again = actions.request_check_in(by=user, station=station(5))
    assert created and not created_again
    assert first.pk == again.pk
    assert CheckIn.objects.filter(flow=flow).count() == 1
    assert first.status == CheckInStatus.PENDING


def test_a_second_station_while_one_is_pending_is_refused(demo: Any) -> None:
    user, _member, flow = member_with_account(demo)
    actions.request_check_in(by=user, station=station(5))
    with pytest.raises(DomainError) as error:
        actions.request_check_in(by=user, station=station(6))
    assert error.value.code == "pending_elsewhere"
    assert "雁塔" in error.value.message
    assert CheckIn.objects.filter(flow=flow).count() == 1


@pytest.mark.parametrize("status", [StationStatus.CLOSED, StationStatus.PLANNED])
def test_a_station_not_open_takes_no_check_in(demo: Any, status: str) -> None:
    user, _member, flow = member_with_account(demo)
    target = station(5)
    target.status = status
    target.save()
    with pytest.raises(DomainError) as error:
        actions.request_check_in(by=user, station=target)
    assert error.value.code == "station_not_open"
    assert not CheckIn.objects.filter(flow=flow).exists()


def test_without_an_open_record_the_member_is_told_to_register(demo: Any) -> None:
    user, _member, _ = member_with_account(demo, flow=False)
    with pytest.raises(DomainError) as error:
        actions.request_check_in(by=user, station=station(5))
    assert error.value.code == "no_open_flow"


def test_a_member_registers_the_five_facts_then_checks_in(demo: Any) -> None:
    from liudong.regions.models import Place

    user, member, _ = member_with_account(demo, flow=False)
    flow = actions.register_own_flow(
        by=user,
        station=station(5),
        destination_place=Place.objects.get(code="610113"),
        reason="work",
        left_on=datetime.date(2025, 3, 1),
        employer="西安某物流公司",
    )
    assert flow.member == member and flow.direction == "outflow" and flow.is_open
    check_in, created = actions.request_check_in(by=user, station=station(5))
    assert created and check_in.flow == flow


def test_confirming_makes_the_record_managed_by_the_stations_branch(demo: Any) -> None:
    user, member, flow = member_with_account(demo)
    check_in, _ = actions.request_check_in(by=user, station=station(5))
    actions.confirm_check_in(by=demo("user:station05"), check_in=check_in)
    check_in.refresh_from_db()
    flow.refresh_from_db()
    member.refresh_from_db()
    assert check_in.status == CheckInStatus.CONFIRMED
    assert check_in.decided_by == demo("user:station05")
    assert flow.status == FlowStatus.MANAGED
    assert flow.inflow_organization == station(5).branch
    assert member.inflow_organization == station(5).branch
    # The station now sees the member's record through the scope gate.
    assert visible_to(demo("user:station05"), FlowRecord.objects.filter(pk=flow.pk)).exists()
    # Confirming again is refused, and nothing changes.
    with pytest.raises(DomainError) as error:
        actions.confirm_check_in(by=demo("user:station05"), check_in=check_in)
    assert error.value.code == "not_pending"


def test_another_stations_staff_cannot_answer(demo: Any) -> None:
    user, _member, flow = member_with_account(demo)
    check_in, _ = actions.request_check_in(by=user, station=station(5))
    for other in ("station06", "lingtai"):
        with pytest.raises(DomainError) as error:
            actions.confirm_check_in(by=demo(f"user:{other}"), check_in=check_in)
        assert error.value.status in (403, 404)
    with pytest.raises(DomainError):
        actions.confirm_check_in(by=user, check_in=check_in)  # the member themself
    check_in.refresh_from_db()
    assert check_in.status == CheckInStatus.PENDING
    assert FlowRecord.objects.get(pk=flow.pk).status == FlowStatus.REGISTERED


def test_refusal_needs_a_reason_the_member_and_home_side_see(demo: Any) -> None:
    user, _member, flow = member_with_account(demo, county="620822", to="610112")
    check_in, _ = actions.request_check_in(by=user, station=station(5))
    with pytest.raises(DomainError) as error:
        actions.refuse_check_in(by=demo("user:station05"), check_in=check_in, reason="  ")
    assert error.value.code == "reason_required"
    actions.refuse_check_in(
        by=demo("user:station05"), check_in=check_in, reason="您住在未央区，请向未央区联络站报到"
    )
    check_in.refresh_from_db()
    assert check_in.status == CheckInStatus.REFUSED
    for viewer in (user, demo("user:lingtai"), demo("user:secretary_lt")):
        seen = visible_to(viewer, CheckIn.objects.filter(pk=check_in.pk)).get()
        assert seen.reason == "您住在未央区，请向未央区联络站报到"
    assert FlowRecord.objects.get(pk=flow.pk).status == FlowStatus.REGISTERED
    # Refused is not active: the member can now check in at the right station.
    again, created = actions.request_check_in(by=user, station=station(6))
    assert created and again.pk != check_in.pk


def test_the_member_withdraws_a_pending_check_in(demo: Any) -> None:
    user, _member, _flow = member_with_account(demo)
    check_in, _ = actions.request_check_in(by=user, station=station(5))
    other, *_ = member_with_account(demo)
    with pytest.raises(DomainError):
        actions.cancel_check_in(by=other, check_in=check_in)
    actions.cancel_check_in(by=user, check_in=check_in)
    check_in.refresh_from_db()
    assert check_in.status == CheckInStatus.CANCELLED
    with pytest.raises(DomainError) as error:
        actions.confirm_check_in(by=demo("user:station05"), check_in=check_in)
    assert error.value.code == "not_pending"


def test_checking_out_closes_the_record_as_returned(demo: Any) -> None:
    user, member, flow = member_with_account(demo)
    check_in, _ = actions.request_check_in(by=user, station=station(5))
    with pytest.raises(DomainError) as error:
        actions.check_out(by=user, check_in=check_in)
    assert error.value.code == "not_confirmed"
    actions.confirm_check_in(by=demo("user:station05"), check_in=check_in)
    actions.check_out(by=user, check_in=check_in)
    check_in.refresh_from_db()
    flow.refresh_from_db()
    assert check_in.status == CheckInStatus.CHECKED_OUT
    assert flow.status == FlowStatus.RETURNED and not flow.is_open


def test_a_member_managed_by_another_station_is_told_where(demo: Any) -> None:
    user, _member, _flow = member_with_account(demo)
    check_in, _ = actions.request_check_in(by=user, station=station(5))
    actions.confirm_check_in(by=demo("user:station05"), check_in=check_in)
    with pytest.raises(DomainError) as error:
        actions.request_check_in(by=user, station=station(6))
    assert error.value.code == "checked_in_elsewhere"
    # The same station again: the confirmed check-in, not a new one.
    same, created = actions.request_check_in(by=user, station=station(5))
    assert same.pk == check_in.pk and not created


def test_a_branch_is_established_with_three_full_members_only(demo: Any) -> None:
    target = station(5)
    target.branch_established_on = None
    target.save()
    existing = actions.full_members_of_branch(target)
    assert existing == (
        FlowRecord.objects.filter(
            is_open=True,
            status="managed",
            inflow_organization=target.branch,
            member__membership="full",
        ).count()
    )
    # Move the existing members away so the rule is tested from zero.
    FlowRecord.objects.filter(is_open=True, inflow_organization=target.branch).update(
        inflow_organization=station(1).branch
    )
    members = [member_with_account(demo) for _ in range(3)]
    members.append(member_with_account(demo, membership="probationary"))
    county = demo("620821")
    for user, _member, _flow in members[:2] + members[3:]:
        check_in, _ = actions.request_check_in(by=user, station=target)
        actions.confirm_check_in(by=demo("user:station05"), check_in=check_in)
    assert actions.full_members_of_branch(target) == 2
    with pytest.raises(DomainError) as error:
        actions.establish_branch(
            by=demo("user:jingchuan"),
            station=target,
            approved_by=county,
            approved_on=datetime.date(2025, 1, 10),
        )
    assert error.value.code == "too_few_members"
    with pytest.raises(DomainError) as error:  # a village branch cannot approve
        actions.establish_branch(
            by=demo("user:jingchuan"),
            station=target,
            approved_by=members[0][1].home_organization,
            approved_on=datetime.date(2025, 1, 10),
        )
    assert error.value.code in ("approver_not_committee", "too_few_members")
    user, _member, _flow = members[2]
    check_in, _ = actions.request_check_in(by=user, station=target)
    actions.confirm_check_in(by=demo("user:station05"), check_in=check_in)
    with pytest.raises(DomainError) as error:
        actions.establish_branch(
            by=demo("user:jingchuan"),
            station=target,
            approved_by=members[0][1].home_organization,
            approved_on=datetime.date(2025, 1, 10),
        )
    assert error.value.code == "approver_not_committee"
    done = actions.establish_branch(
        by=demo("user:jingchuan"),
        station=target,
        approved_by=county,
        approved_on=datetime.date(2025, 1, 10),
        reference="泾组字〔2025〕5号",
    )
    assert done.branch_established_on == datetime.date(2025, 1, 10)
    assert done.branch_approved_by == county
    with pytest.raises(DomainError) as error:
        actions.establish_branch(
            by=demo("user:lingtai"),
            station=target,
            approved_by=demo("620822"),
            approved_on=datetime.date(2025, 1, 10),
        )
    assert error.value.status == 403


def test_create_station_creates_its_mobile_branch_under_the_county(demo: Any) -> None:
    from liudong.regions.models import Place

    created = actions.create_station(
        by=demo("user:jingchuan"),
        organization=demo("620821"),
        place=Place.objects.get(code="610113"),
        code="620821-ST01",
        name="泾川县驻西安流动党员联络站",
        kind="liaison",
        host_kind="enterprise",
        host_name="测试企业",
        address="西安市雁塔区",
        lng=108.95,
        lat=34.22,
        services=["check_in", "legal_aid"],
    )
    assert created.branch.parent == demo("620821")
    assert created.branch.kind == "mobile_branch"
    assert created.branch.path.startswith(demo("620821").path)
    assert len(created.qr_token) >= 16
    with pytest.raises(DomainError) as error:
        actions.create_station(
            by=demo("user:jingchuan"),
            organization=demo("620822"),
            place=Place.objects.get(code="610113"),
            code="620822-ST01",
            name="x",
            kind="liaison",
            host_kind="enterprise",
            host_name="x",
            address="x",
            lng=108.95,
            lat=34.22,
        )
    assert error.value.status == 404


def test_demo_has_check_ins_in_both_counties(demo: Any) -> None:
    for county in ("620821", "620822"):
        path = demo(county).path
        rows = CheckIn.objects.filter(flow__home_organization__path__startswith=path)
        assert rows.filter(status=CheckInStatus.CONFIRMED).exists(), county
    pending = CheckIn.objects.filter(status=CheckInStatus.PENDING)
    assert pending.exists()
    # Every managed record at a station has the confirmed check-in that brought it there.
    managed = FlowRecord.objects.filter(
        is_open=True, status="managed", inflow_organization__code__startswith="620800-LD"
    )
    confirmed = CheckIn.objects.filter(status=CheckInStatus.CONFIRMED, flow__in=managed)
    assert confirmed.count() == managed.count()
