"""Running a station: open, edit, relocate, suspend, reopen, close, open a planned one,
assign staff — each step allowed and refused, audited."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.models import AuditEvent
from liudong.core.scope import SYSTEM, may, visible_to
from liudong.members import actions as ledger
from liudong.members.models import Handoff
from liudong.orgs.models import OrgKind
from liudong.regions.models import Place
from liudong.stations import actions
from liudong.stations.closing import ClosingBlocker, blockers
from liudong.stations.models import Station, StationLocation, StationStatus
from tests.stations.helpers import member_with_account

FIELDS: dict[str, Any] = {
    "name": "泾川县驻西安雁塔流动党员服务点",
    "kind": "liaison",
    "host_kind": "enterprise",
    "host_name": "西安泾川商会",
    "host_contact": "王经理",
    "host_telephone": "029-88886666",
    "address": "西安市雁塔区小寨东路1号",
    "lng": 108.95,
    "lat": 34.22,
    "opening_hours": "周一至周五 9:00–17:00",
    "services": ["check_in", "policy"],
    "contact_phone": "029-88887777",
}


def open_station(demo: Any, code: str = "620821-ST90", by: str = "jingchuan", **extra: Any):
    county = {"jingchuan": "620821", "lingtai": "620822", "city": "620821"}[by]
    return actions.create_station(
        by=demo(f"user:{by}"),
        organization=extra.pop("organization", demo(county)),
        place=extra.pop("place", Place.objects.get(code="610113")),
        code=code,
        **(FIELDS | extra),
    )


def verbs(station: Station) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(station.pk), content_type__model="station")
        .order_by("id")
        .values_list("verb", flat=True)
    )


# --- opening --------------------------------------------------------------------------------


def test_city_opens_a_station_with_its_branch_and_first_address(demo):
    station = open_station(demo, by="city")
    assert station.status == StationStatus.OPEN
    assert station.organization == demo("620821")
    assert station.branch.kind == OrgKind.MOBILE_BRANCH
    assert station.branch.parent == demo("620821")
    assert station.opened_on is not None
    (location,) = station.locations.all()
    assert (location.address, location.to_on) == (FIELDS["address"], None)
    assert "station.create" in verbs(station)


def test_county_opens_a_station_it_runs_but_not_for_another_county(demo):
    assert open_station(demo).organization == demo("620821")
    with pytest.raises(ScopeError) as error:
        open_station(demo, code="620822-ST91", organization=demo("620822"))
    assert error.value.code == "organization_out_of_scope"
    assert not Station.objects.filter(code="620822-ST91").exists()


def test_station_staff_cannot_open_a_station(demo):
    with pytest.raises(PermissionDenied):
        actions.create_station(
            by=demo("user:station05"),
            organization=demo("620800-LD05"),
            place=Place.objects.get(code="610113"),
            code="620821-ST92",
            **FIELDS,
        )


def test_a_branch_cannot_run_a_station(demo):
    branch = demo("620800-LD05")
    with pytest.raises(DomainError) as error:
        open_station(demo, code="620821-ST93", organization=branch)
    assert error.value.code == "organization_not_committee"


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"lng": 200.0}, "invalid_coordinates", "lng"),
        ({"lat": "abc"}, "invalid_coordinates", "lat"),
        ({"lat": float("nan")}, "invalid_coordinates", "lat"),
        ({"services": ["check_in", "massage"]}, "code_unknown", "services"),
        ({"services": "policy"}, "invalid_services", "services"),
        ({"place": "610100"}, "place_not_county", "place"),
        ({"kind": "depot"}, "invalid_kind", "kind"),
        ({"status": "closed"}, "invalid_status", "status"),
        ({"name": "  "}, "required", "name"),
        ({"opening_hours": "x" * 101}, "too_long", "opening_hours"),
    ],
)
def test_opening_refuses_bad_input_with_its_field(demo, changes, code, field):
    if "place" in changes:
        changes = changes | {"place": Place.objects.get(code=changes["place"])}
    with pytest.raises(DomainError) as error:
        open_station(demo, code="620821-ST94", **changes)
    assert (error.value.code, error.value.field) == (code, field)
    assert str(error.value.message)
    assert not Station.objects.filter(code="620821-ST94").exists()


# --- editing --------------------------------------------------------------------------------


def test_running_county_edits_and_another_county_may_not(demo):
    station = open_station(demo)
    actions.update_station(by=demo("user:jingchuan"), station=station, name="新名字")
    assert Station.objects.get(pk=station.pk).name == "新名字"
    assert "station.update" in verbs(station)
    with pytest.raises(ScopeError):
        actions.update_station(by=demo("user:lingtai"), station=station, name="别人的")
    assert Station.objects.get(pk=station.pk).name == "新名字"


def test_station_staff_edit_hours_phone_services_only(demo):
    station = Station.objects.get(code="620800-ST05")
    staff = demo("user:station05")
    actions.update_station(
        by=staff, station=station, opening_hours="全天", services=["policy"], contact_phone="1"
    )
    station.refresh_from_db()
    assert (station.opening_hours, station.services) == ("全天", ["policy"])
    with pytest.raises(PermissionDenied):
        actions.update_station(by=staff, station=station, name="改名")
    with pytest.raises(DomainError) as error:
        actions.update_station(by=demo("user:jingchuan"), station=station, code="X")
    assert error.value.code == "field_not_editable"


# --- relocating -----------------------------------------------------------------------------


def test_relocation_keeps_the_history(demo):
    station = open_station(demo)
    first = station.locations.get()
    StationLocation.objects.filter(pk=first.pk).update(from_on=datetime.date(2025, 1, 1))
    Station.objects.filter(pk=station.pk).update(opened_on=datetime.date(2025, 1, 1))
    station.refresh_from_db()
    moved_on = datetime.date(2026, 6, 1)
    actions.relocate_station(
        by=demo("user:jingchuan"),
        station=station,
        place=Place.objects.get(code="610104"),
        address="西安市莲湖区新址",
        lng=108.93,
        lat=34.27,
        on=moved_on,
        reason="租约到期",
    )
    station.refresh_from_db()
    assert (station.place_id, station.address) == ("610104", "西安市莲湖区新址")
    old, new = station.locations.order_by("from_on")
    assert (old.address, old.lng, old.to_on) == (
        FIELDS["address"],
        108.95,
        datetime.date(2026, 5, 31),
    )
    assert (new.from_on, new.to_on, new.reason) == (moved_on, None, "租约到期")
    assert "station.relocate" in verbs(station)
    with pytest.raises(DomainError) as error:  # before the last move
        actions.relocate_station(
            by=demo("user:jingchuan"),
            station=station,
            place=Place.objects.get(code="610113"),
            address="别处",
            lng=108.9,
            lat=34.2,
            on=datetime.date(2026, 5, 1),
        )
    assert error.value.code == "date_before_last_move"
    assert station.locations.count() == 2


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"lat": 95}, "invalid_coordinates"),
        ({"place": "610100"}, "place_not_county"),
        ({"address": ""}, "required"),
        ({"address": FIELDS["address"], "place": "610113", "lng": 108.95}, "same_location"),
    ],
)
def test_relocation_refuses_bad_input(demo, changes, code):
    station = open_station(demo)
    values = {"place": "610104", "address": "新址", "lng": 108.9, "lat": 34.22} | changes
    values["place"] = Place.objects.get(code=values["place"])
    with pytest.raises(DomainError) as error:
        actions.relocate_station(by=demo("user:jingchuan"), station=station, **values)
    assert error.value.code == code
    assert station.locations.count() == 1


# --- suspending, reopening ------------------------------------------------------------------


def test_suspend_and_reopen(demo):
    station = open_station(demo)
    county = demo("user:jingchuan")
    with pytest.raises(DomainError) as error:
        actions.suspend_station(by=county, station=station, reason="")
    assert error.value.code == "reason_required"
    actions.suspend_station(by=county, station=station, reason="房东装修")
    assert Station.objects.get(pk=station.pk).status == StationStatus.SUSPENDED
    with pytest.raises(DomainError) as error:
        actions.suspend_station(by=county, station=station, reason="again")
    assert error.value.code == "transition_not_allowed"
    actions.reopen_station(by=county, station=station)
    assert Station.objects.get(pk=station.pk).status == StationStatus.OPEN
    with pytest.raises(DomainError):
        actions.reopen_station(by=county, station=station)
    assert {"station.suspend", "station.reopen"} <= set(verbs(station))


def test_a_suspended_station_takes_no_check_in(demo):
    station = open_station(demo)
    actions.suspend_station(by=demo("user:jingchuan"), station=station, reason="暂停")
    user, _member, _flow = member_with_account(demo)
    with pytest.raises(DomainError) as error:
        actions.request_check_in(by=user, station=Station.objects.get(pk=station.pk))
    assert error.value.code == "station_not_open"


def test_staff_and_another_county_cannot_suspend(demo):
    station = Station.objects.get(code="620800-ST05")
    with pytest.raises(PermissionDenied):
        actions.suspend_station(by=demo("user:station05"), station=station, reason="x")
    with pytest.raises(ScopeError):
        actions.suspend_station(by=demo("user:lingtai"), station=station, reason="x")
    assert Station.objects.get(pk=station.pk).status == StationStatus.OPEN


# --- closing --------------------------------------------------------------------------------


def attach(demo: Any, station: Station, county: str) -> Any:
    _user, member, flow = member_with_account(demo, county=county)
    return ledger.check_in(by=SYSTEM, flow=flow, inflow_organization=station.branch)


def test_closing_hands_each_open_record_back_to_its_home_side(demo):
    station = open_station(demo)
    flows = [attach(demo, station, "620821"), attach(demo, station, "620822")]
    before = Handoff.objects.count()
    closed, handed = actions.close_station(
        by=demo("user:jingchuan"), station=station, reason="撤并"
    )
    assert closed.status == StationStatus.CLOSED and closed.closed_on is not None
    assert handed == 2
    assert Handoff.objects.count() == before + 2
    for flow in flows:
        (handoff,) = Handoff.objects.filter(flow=flow)
        assert handoff.from_organization == station.branch
        assert handoff.to_organization == flow.home_organization
        assert station.name in handoff.message
    assert station.locations.get().to_on == closed.closed_on
    assert "station.close" in verbs(station)
    # Closing twice: refused, nothing handed again.
    with pytest.raises(DomainError) as error:
        actions.close_station(by=demo("user:jingchuan"), station=closed, reason="again")
    assert error.value.code == "already_closed"
    assert Handoff.objects.count() == before + 2


def test_a_closed_station_is_not_reopened_nor_changed(demo):
    station = open_station(demo)
    actions.close_station(by=demo("user:jingchuan"), station=station, reason="撤并")
    for step in (actions.reopen_station, actions.suspend_station):
        with pytest.raises(DomainError) as error:
            step(by=demo("user:jingchuan"), station=station, reason="x")
        assert error.value.code == "transition_not_allowed"
    with pytest.raises(DomainError):
        actions.update_station(by=demo("user:jingchuan"), station=station, name="复活")


def test_pending_check_ins_block_closing(demo):
    station = open_station(demo)
    user, _member, _flow = member_with_account(demo)
    check_in, _ = actions.request_check_in(by=user, station=station)
    with pytest.raises(DomainError) as error:
        actions.close_station(by=demo("user:jingchuan"), station=station, reason="撤并")
    assert error.value.code == "closing_blocked"
    assert "1" in str(error.value.message)
    assert Station.objects.get(pk=station.pk).status == StationStatus.OPEN
    actions.refuse_check_in(by=demo("user:jingchuan"), check_in=check_in, reason="请重新报到")
    actions.close_station(by=demo("user:jingchuan"), station=station, reason="撤并")


def test_another_app_can_register_a_closing_blocker(demo):
    station = open_station(demo)
    blockers.register(ClosingBlocker("tests.requests", lambda s: "有未办结的服务诉求。"))
    try:
        with pytest.raises(DomainError) as error:
            actions.close_station(by=demo("user:jingchuan"), station=station, reason="撤并")
        assert "有未办结的服务诉求" in str(error.value.message)
    finally:
        blockers.unregister("tests.requests")


def test_station_staff_cannot_close(demo):
    station = Station.objects.get(code="620800-ST05")
    with pytest.raises(PermissionDenied):
        actions.close_station(by=demo("user:station05"), station=station, reason="x")
    with pytest.raises(ScopeError):
        actions.close_station(by=demo("user:lingtai"), station=station, reason="x")
    assert Station.objects.get(pk=station.pk).status == StationStatus.OPEN


# --- a planned station ----------------------------------------------------------------------


def test_the_demo_planned_station_opens_with_one_action(demo):
    station = Station.objects.get(code="620800-ST13")
    assert station.status == StationStatus.PLANNED and station.branch is None
    assert not station.check_ins.exists()  # the demo's check-ins are at open stations
    assert not may(demo("user:jingchuan"), station, "change")
    opened = actions.open_planned_station(by=demo("user:city"), station=station)
    assert opened.status == StationStatus.OPEN
    assert opened.branch.kind == OrgKind.MOBILE_BRANCH
    assert opened.branch.parent == station.organization
    assert opened.opened_on == timezone.localdate()
    assert "station.open_planned" in verbs(station)
    with pytest.raises(DomainError) as error:
        actions.open_planned_station(by=demo("user:city"), station=opened)
    assert error.value.code == "transition_not_allowed"


def test_a_new_planned_station_has_no_branch_until_opened(demo):
    station = open_station(demo, status="planned")
    assert station.branch is None
    assert "station.plan" in verbs(station)
    assert station not in list(actions_open_directory())


def actions_open_directory() -> list[Station]:
    from liudong.stations.queries import open_station_directory

    return list(open_station_directory())


# --- staff ----------------------------------------------------------------------------------


def test_assign_a_new_staff_account(demo):
    from liudong.accounts.models import Role

    station = open_station(demo)
    user = actions.assign_staff(
        by=demo("user:jingchuan"), station=station, username="st90_wang", display_name="王"
    )
    assert (user.role, user.organization) == (Role.STATION_STAFF, station.branch)
    assert may(user, Station.objects.get(pk=station.pk), "staff")
    assert "station.assign_staff" in verbs(station)
    with pytest.raises(DomainError) as error:
        actions.assign_staff(by=demo("user:jingchuan"), station=station, username="st90_wang")
    assert error.value.code == "username_taken"


def test_attach_an_existing_staff_account_and_refuse_a_member(demo):
    from liudong.accounts.models import Role

    station = open_station(demo)
    secretary = demo("user:secretary_jc")
    moved = actions.assign_staff(by=demo("user:jingchuan"), station=station, user=secretary)
    assert (moved.role, moved.organization_id) == (Role.STATION_STAFF, station.branch_id)
    for account in ("member_jc", "jingchuan"):  # a member's, an administrator's
        with pytest.raises(DomainError) as error:
            actions.assign_staff(
                by=demo("user:jingchuan"), station=station, user=demo(f"user:{account}")
            )
        assert error.value.code == "not_staff_account"


def test_another_county_and_staff_cannot_assign_staff(demo):
    station = Station.objects.get(code="620800-ST05")
    with pytest.raises(ScopeError):
        actions.assign_staff(by=demo("user:lingtai"), station=station, username="lt_x")
    with pytest.raises(PermissionDenied):
        actions.assign_staff(by=demo("user:station05"), station=station, username="st_x")


# --- the location history under the gate -----------------------------------------------------


def test_another_county_sees_no_location_and_may_change_none(demo):
    lingtai = StationLocation.objects.filter(station__code="620800-ST06")
    assert lingtai.exists()
    jingchuan = demo("user:jingchuan")
    assert not visible_to(jingchuan, lingtai).exists()
    assert not may(jingchuan, lingtai.first(), "change")
    assert visible_to(demo("user:station05"), StationLocation.objects.all()).count() == 1


def test_a_hand_off_is_sent_only_for_a_side_in_the_senders_scope(demo):
    from liudong.members.models import HandoffKind

    station = Station.objects.get(code="620800-ST05")  # 泾川's, in Xi'an
    flow = attach(demo, station, "620822")  # a 灵台 member
    with pytest.raises(DomainError) as error:  # 泾川 speaking for 灵台's branch
        ledger.raise_handoff(
            by=demo("user:jingchuan"),
            flow=flow,
            kind=HandoffKind.VISIT,
            from_organization=flow.home_organization,
        )
    assert error.value.code == "sender_not_a_side"
    assert not Handoff.objects.filter(flow=flow).exists()


def test_a_move_on_the_day_of_opening_corrects_the_address(demo):
    station = open_station(demo)  # opened today
    actions.relocate_station(
        by=demo("user:jingchuan"),
        station=station,
        place=Place.objects.get(code="610113"),
        address="西安市雁塔区小寨东路 1 号（更正）",
        lng=108.951,
        lat=34.221,
    )
    (location,) = station.locations.all()
    assert (location.address, location.lng, location.to_on) == (
        "西安市雁塔区小寨东路 1 号（更正）",
        108.951,
        None,
    )
    assert Station.objects.get(pk=station.pk).address == location.address


def test_a_check_in_at_a_closed_station_is_not_confirmed(demo):
    from liudong.stations.models import CheckInStatus

    station = open_station(demo)
    user, _member, _flow = member_with_account(demo)
    check_in, _ = actions.request_check_in(by=user, station=station)
    # Asked in the instant of closing: the station's row says closed, the check-in pending.
    Station.objects.filter(pk=station.pk).update(status=StationStatus.CLOSED)
    with pytest.raises(DomainError) as error:
        actions.confirm_check_in(by=demo("user:jingchuan"), check_in=check_in)
    assert error.value.code == "station_closed"
    actions.refuse_check_in(by=demo("user:jingchuan"), check_in=check_in, reason="站点已撤销")
    check_in.refresh_from_db()
    assert check_in.status == CheckInStatus.REFUSED
