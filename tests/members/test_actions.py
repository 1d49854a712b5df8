"""The ledger's rules, as the actions enforce them: the lifecycle table, one open record per
member, dates, co-management, hand-offs, duplicates and the audit trail."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from liudong.core.errors import DomainError
from liudong.core.models import AuditEvent
from liudong.core.scope import SYSTEM, can_see
from liudong.members import actions
from liudong.members.idnumber import check_character
from liudong.members.models import Alert, Contact, FlowRecord, FlowStatus, Handoff, Member
from liudong.regions.models import Place

from .helpers import make_flow

TODAY = timezone.localdate
_numbers = itertools.count()


def fresh_id_number(
    place: str = "620821", sex: str = "1", birth: datetime.date | None = None
) -> str:
    """A valid number that no one in the test database holds yet (the demo ledger has its
    own members; ``helpers.id_number`` can repeat itself when it fixes the sex digit)."""
    while True:
        n = next(_numbers)
        born = birth or datetime.date(1960, 1, 1) + datetime.timedelta(days=37 * n % 14600)
        sequence = 100 + 2 * (n % 400) + (1 if sex == "1" else 0)
        body = f"{place}{born:%Y%m%d}{sequence:03d}"
        number = body + check_character(body)
        if actions.find_by_id_number(number) is None:
            return number


def new_member(
    by: Any,
    home: Any,
    *,
    name: str = "张三",
    sex: str = "1",
    phone: str = "13800001111",
    **extra: Any,
) -> Member:
    """A member of branch ``home`` with a number of its own (see :func:`fresh_id_number`)."""
    values = {
        "ethnicity": "01",
        "education": "21",
        "joined_on": datetime.date(2010, 7, 1),
        "home_organization": home,
    } | extra
    return actions.create_member(
        by=by,
        name=name,
        sex=sex,
        phone=phone,
        id_number=fresh_id_number(home.place_id or "620821", sex),
        **values,
    )


def _branch(demo: Any, township: str = "620821001") -> Any:
    return demo(township).children.order_by("code").first()


@pytest.fixture
def county(demo: Any) -> Any:
    return demo("user:jingchuan")


@pytest.fixture
def member(demo: Any, county: Any) -> Member:
    return new_member(county, _branch(demo), name="王建国")


def _audit_count() -> int:
    return AuditEvent.objects.count()


def _row(model: type, pk: int) -> dict[str, Any]:
    return model.objects.filter(pk=pk).values().get()


def _refused(code: str, call: Callable[[], Any], field: str | None = None) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code, caught.value.as_dict()
    if field is not None:
        assert caught.value.field == field
    return caught.value


# --- the lifecycle table ------------------------------------------------------------------

# One public action per target status. Only ``mark_found`` aims at "registered" (a record
# found again that was never managed); for a record that was managed it aims at "managed".
ATTEMPT: dict[str, Callable[[Any, Any, FlowRecord], FlowRecord]] = {
    FlowStatus.MANAGED: lambda demo, by, flow: actions.check_in(
        by=by, flow=flow, inflow_organization=demo("620800-LD05"), note="到站报到"
    ),
    FlowStatus.REGISTERED: lambda demo, by, flow: actions.mark_found(
        by=by, flow=flow, reason="联系上了"
    ),
    FlowStatus.RETURNED: lambda demo, by, flow: actions.mark_returned(
        by=by, flow=flow, reason="返乡"
    ),
    FlowStatus.TRANSFERRED: lambda demo, by, flow: actions.mark_transferred(
        by=by, flow=flow, reason="转入西安"
    ),
    FlowStatus.LOST: lambda demo, by, flow: actions.mark_lost(
        by=by, flow=flow, reason="电话停机，多方寻找未果"
    ),
    FlowStatus.SUSPENDED: lambda demo, by, flow: actions.suspend_membership(
        by=by, flow=flow, reason="失联满六个月仍无法联系"
    ),
}
VERB = {
    FlowStatus.MANAGED: "flow.check_in",
    FlowStatus.REGISTERED: "flow.found",
    FlowStatus.RETURNED: "flow.return",
    FlowStatus.TRANSFERRED: "flow.transfer",
    FlowStatus.LOST: "flow.lost",
    FlowStatus.SUSPENDED: "flow.suspend",
}
# How a freshly registered record (never managed) reaches each status.
REACH: dict[str, list[str]] = {
    FlowStatus.REGISTERED: [],
    FlowStatus.MANAGED: [FlowStatus.MANAGED],
    FlowStatus.LOST: [FlowStatus.LOST],
    FlowStatus.RETURNED: [FlowStatus.RETURNED],
    FlowStatus.TRANSFERRED: [FlowStatus.TRANSFERRED],
    FlowStatus.SUSPENDED: [FlowStatus.LOST, FlowStatus.SUSPENDED],
}
PAIRS = [(source, target) for source in FlowStatus for target in FlowStatus]
ALLOWED = [(s, t) for s, t in PAIRS if t in actions.TRANSITIONS[s]]
REFUSED = [(s, t) for s, t in PAIRS if t not in actions.TRANSITIONS[s]]


def _record_in(demo: Any, by: Any, member: Member, status: str) -> FlowRecord:
    flow = make_flow(by, member)
    for step in REACH[status]:
        flow = ATTEMPT[step](demo, by, flow)
    assert flow.status == status
    return flow


def test_the_table_names_every_status_and_each_has_an_action() -> None:
    assert set(actions.TRANSITIONS) == set(FlowStatus.values)
    assert set(ATTEMPT) == set(REACH) == set(VERB) == set(FlowStatus.values)
    assert ALLOWED and REFUSED


@pytest.mark.parametrize(("source", "target"), ALLOWED, ids=[f"{s}->{t}" for s, t in ALLOWED])
def test_allowed_transition_succeeds_and_is_audited(
    demo: Any, county: Any, member: Member, source: str, target: str
) -> None:
    flow = _record_in(demo, county, member, source)
    changed = ATTEMPT[target](demo, county, flow)
    flow.refresh_from_db()
    assert flow.status == changed.status == target
    assert flow.status_changed_on == TODAY()
    assert flow.is_open == (target not in actions.CLOSED)
    assert (flow.closed_on is not None) == (target in actions.CLOSED)
    event = AuditEvent.objects.filter(
        content_type__model="flowrecord", object_id=str(flow.pk), verb=VERB[target]
    ).latest("id")
    assert event.actor == county and event.kind == "update"
    assert event.changes["after"]["status"] == target


@pytest.mark.parametrize(("source", "target"), REFUSED, ids=[f"{s}->{t}" for s, t in REFUSED])
def test_disallowed_transition_is_refused_and_changes_nothing(
    demo: Any, county: Any, member: Member, source: str, target: str
) -> None:
    flow = _record_in(demo, county, member, source)
    before_flow, before_member = _row(FlowRecord, flow.pk), _row(Member, member.pk)
    events = _audit_count()
    _refused("transition_not_allowed", lambda: ATTEMPT[target](demo, county, flow), "status")
    assert _row(FlowRecord, flow.pk) == before_flow
    assert _row(Member, member.pk) == before_member
    assert _audit_count() == events


def test_found_again_goes_back_to_managed_when_it_was_managed(
    demo: Any, county: Any, member: Member
) -> None:
    flow = _record_in(demo, county, member, FlowStatus.MANAGED)
    flow = actions.mark_lost(by=county, flow=flow, reason="失联")
    flow = actions.mark_found(by=county, flow=flow, reason="找到了")
    assert flow.status == FlowStatus.MANAGED and flow.is_open


@pytest.mark.parametrize("target", [FlowStatus.TRANSFERRED, FlowStatus.LOST, FlowStatus.SUSPENDED])
def test_transfer_lost_and_suspend_need_a_reason(
    demo: Any, county: Any, member: Member, target: str
) -> None:
    source = FlowStatus.LOST if target == FlowStatus.SUSPENDED else FlowStatus.REGISTERED
    flow = _record_in(demo, county, member, source)
    function = {
        FlowStatus.TRANSFERRED: actions.mark_transferred,
        FlowStatus.LOST: actions.mark_lost,
        FlowStatus.SUSPENDED: actions.suspend_membership,
    }[target]
    _refused("reason_required", lambda: function(by=county, flow=flow, reason="  "), "reason")
    assert _row(FlowRecord, flow.pk)["status"] == source


def test_closing_resolves_open_alerts(demo: Any, county: Any, member: Member) -> None:
    flow = make_flow(county, member)
    alert = Alert.objects.create(
        flow=flow, organization=flow.home_organization, kind="overdue_contact", raised_on=TODAY()
    )
    actions.mark_returned(by=county, flow=flow, reason="返乡")
    alert.refresh_from_db()
    assert alert.resolved and alert.resolved_on == TODAY()


def test_member_role_may_not_change_the_ledger(demo: Any, county: Any, member: Member) -> None:
    flow = make_flow(county, member)
    Member.objects.filter(user=demo("user:member_jc")).update(user=None)  # the demo's link
    member.user = demo("user:member_jc")
    member.save()
    _refused("forbidden", lambda: actions.mark_returned(by=member.user, flow=flow))
    assert _row(FlowRecord, flow.pk)["status"] == FlowStatus.REGISTERED


# --- one open record per member -----------------------------------------------------------


def test_second_open_record_is_refused_by_the_action(county: Any, member: Member) -> None:
    make_flow(county, member)
    error = _refused("open_flow_exists", lambda: make_flow(county, member, to="620102"), "member")
    assert "610113" not in error.message  # names the place, not its code
    assert member.flows.filter(is_open=True).count() == 1


def test_second_open_record_is_refused_by_the_database(county: Any, member: Member) -> None:
    flow = make_flow(county, member)
    copy = _row(FlowRecord, flow.pk)
    copy.pop("id")
    with pytest.raises(IntegrityError), transaction.atomic():
        FlowRecord.objects.create(**copy)
    assert member.flows.count() == 1


def test_after_closing_a_new_record_may_be_registered(county: Any, member: Member) -> None:
    flow = make_flow(county, member)
    actions.mark_returned(by=county, flow=flow, reason="返乡")
    again = make_flow(county, member, to="620102", left_on=datetime.date(2025, 2, 1))
    assert again.is_open and member.flows.count() == 2


# --- dates ----------------------------------------------------------------------------------


def test_leaving_in_the_future_is_refused(county: Any, member: Member) -> None:
    tomorrow = TODAY() + datetime.timedelta(days=1)
    _refused("date_in_future", lambda: make_flow(county, member, left_on=tomorrow), "left_on")
    assert not member.flows.exists()


def test_leaving_before_birth_is_refused(county: Any, member: Member) -> None:
    before_birth = member.birth_date - datetime.timedelta(days=1)
    _refused("date_too_early", lambda: make_flow(county, member, left_on=before_birth), "left_on")
    assert not member.flows.exists()


def test_expected_return_before_leaving_is_refused(county: Any, member: Member) -> None:
    _refused(
        "date_too_early",
        lambda: make_flow(
            county,
            member,
            left_on=datetime.date(2024, 3, 1),
            expected_return_on=datetime.date(2024, 2, 1),
        ),
        "expected_return_on",
    )


def test_joining_the_party_before_birth_or_in_the_future_is_refused(demo: Any, county: Any) -> None:
    for joined, code in [
        (datetime.date(1980, 1, 1), "date_too_early"),
        (TODAY() + datetime.timedelta(days=3), "date_in_future"),
    ]:
        with pytest.raises(DomainError) as caught:
            actions.create_member(
                by=county,
                name="李四",
                ethnicity="01",
                id_number=fresh_id_number(birth=datetime.date(1985, 3, 14)),
                joined_on=joined,
                home_organization=_branch(demo),
            )
        assert (caught.value.code, caught.value.field) == (code, "joined_on")
    assert not Member.objects.filter(name="李四").exists()


@pytest.mark.parametrize("days", [-1, 1])
def test_status_dates_before_leaving_or_in_the_future_are_refused(
    county: Any, member: Member, days: int
) -> None:
    flow = make_flow(county, member, left_on=datetime.date(2024, 3, 1))
    on = flow.left_on - datetime.timedelta(days=1) if days < 0 else TODAY() + datetime.timedelta(1)
    code = "date_too_early" if days < 0 else "date_in_future"
    _refused(code, lambda: actions.mark_returned(by=county, flow=flow, on=on), "on")
    _refused(
        code,
        lambda: actions.log_contact(by=county, flow=flow, method="phone", on=on),
        "contacted_on",
    )
    assert _row(FlowRecord, flow.pk)["status"] == FlowStatus.REGISTERED
    assert not flow.contacts.exists()


# --- co-management --------------------------------------------------------------------------


def test_inflow_side_sees_the_member_and_record_and_logs_contacts(
    demo: Any, county: Any, member: Member
) -> None:
    station_staff = demo("user:station01")  # 兰州 liaison station, outside 泾川's subtree
    station = demo("620800-LD01")
    assert not can_see(station_staff, member)
    flow = make_flow(county, member, to="620102", inflow_organization=station)
    assert can_see(station_staff, member) and can_see(station_staff, flow)
    assert not can_see(demo("user:lingtai"), member)

    contact = actions.log_contact(
        by=station_staff, flow=flow, method="visit", on=TODAY(), note="到站参加活动"
    )
    assert contact.organization == station and contact.by == station_staff
    flow.refresh_from_db()
    assert flow.last_contact_on == TODAY()
    assert can_see(county, contact) and can_see(station_staff, contact)
    # The home side speaks for the home branch when it logs a contact.
    home = actions.log_contact(by=county, flow=flow, method="phone")
    assert home.organization == member.home_organization


def test_member_inflow_organization_follows_the_open_record(
    demo: Any, county: Any, member: Member
) -> None:
    flow = make_flow(county, member)
    member.refresh_from_db()
    assert member.inflow_organization is None
    station = demo("620800-LD04")
    actions.check_in(by=county, flow=flow, inflow_organization=station)
    member.refresh_from_db()
    assert member.inflow_organization == station
    assert can_see(demo("user:station04"), member)
    actions.mark_transferred(by=county, flow=flow, reason="转入莲湖区")
    member.refresh_from_db()
    assert member.inflow_organization is None
    assert not can_see(demo("user:station04"), member)


def test_contacts_only_on_open_records(county: Any, member: Member) -> None:
    flow = make_flow(county, member)
    flow = actions.mark_returned(by=county, flow=flow, reason="返乡")
    _refused("record_closed", lambda: actions.log_contact(by=county, flow=flow, method="phone"))
    assert not Contact.objects.filter(flow=flow).exists()


# --- hand-offs ------------------------------------------------------------------------------


@pytest.fixture
def handoff(demo: Any, county: Any, member: Member) -> Handoff:
    flow = make_flow(county, member, inflow_organization=demo("620800-LD01"))
    return actions.raise_handoff(by=county, flow=flow, kind="visit", message="请上门走访")


def test_handoff_goes_to_the_other_side(demo: Any, handoff: Handoff) -> None:
    assert handoff.to_organization == demo("620800-LD01")
    assert handoff.from_organization == handoff.flow.home_organization


def test_refusing_a_handoff_needs_a_reason(demo: Any, handoff: Handoff) -> None:
    station_staff = demo("user:station01")
    _refused(
        "reason_required",
        lambda: actions.refuse_handoff(by=station_staff, handoff=handoff, reason=" "),
        "reason",
    )
    assert _row(Handoff, handoff.pk)["state"] == "open"
    refused = actions.refuse_handoff(by=station_staff, handoff=handoff, reason="该党员已离开兰州")
    assert refused.state == "refused" and refused.response == "该党员已离开兰州"
    event = AuditEvent.objects.filter(verb="handoff.refuse", object_id=str(handoff.pk)).get()
    assert event.reason == "该党员已离开兰州" and event.actor == station_staff


def test_only_the_receiving_side_answers_once(demo: Any, county: Any, handoff: Handoff) -> None:
    _refused("not_recipient", lambda: actions.complete_handoff(by=county, handoff=handoff))
    actions.complete_handoff(by=demo("user:station01"), handoff=handoff, response="已走访")
    _refused(
        "handoff_not_open",
        lambda: actions.complete_handoff(by=demo("user:station01"), handoff=handoff),
    )


# --- duplicates by ID number ----------------------------------------------------------------


def test_duplicate_in_scope_names_the_member(demo: Any, county: Any, member: Member) -> None:
    error = _refused(
        "id_number_exists",
        lambda: actions.create_member(
            by=county,
            name="另一个人",
            ethnicity="01",
            id_number=member.id_number,
            home_organization=_branch(demo, "620821002"),
        ),
        "id_number",
    )
    assert member.name in error.message
    assert Member.objects.filter(id_number_index=member.id_number_index).count() == 1


def test_duplicate_out_of_scope_does_not_name_the_member(demo: Any, member: Member) -> None:
    error = _refused(
        "registered_elsewhere",  # the one answer outside the asker's scope (decision 66)
        lambda: actions.create_member(
            by=demo("user:lingtai"),
            name="另一个人",
            ethnicity="01",
            id_number=member.id_number.lower(),
            home_organization=_branch(demo, "620822001"),
        ),
        "id_number",
    )
    assert member.name not in error.message
    assert str(member.pk) not in error.message
    assert member.home_organization.name not in error.message


def test_changing_to_an_existing_number_is_refused(demo: Any, county: Any, member: Member) -> None:
    other = new_member(county, _branch(demo), name="赵六")
    _refused(
        "id_number_exists",
        lambda: actions.update_member(
            by=county, member=other, id_number=member.id_number, birth_date=None
        ),
        "id_number",
    )
    other.refresh_from_db()
    assert other.id_number != member.id_number


# --- the audit trail ------------------------------------------------------------------------


def test_every_action_leaves_an_audit_row_with_its_verb(
    demo: Any, county: Any, member: Member
) -> None:
    station_staff = demo("user:station01")
    actions.update_member(by=county, member=member, phone="13900002222")
    flow = make_flow(county, member, inflow_organization=demo("620800-LD01"))
    actions.check_in(by=county, flow=flow)
    actions.log_contact(by=station_staff, flow=flow, method="visit")
    done = actions.raise_handoff(by=county, flow=flow, kind="visit")
    actions.complete_handoff(by=station_staff, handoff=done, response="已走访")
    refused = actions.raise_handoff(by=station_staff, flow=flow, kind="conduct_feedback")
    actions.refuse_handoff(by=county, handoff=refused, reason="请先报到")
    alert = Alert.objects.create(
        flow=flow, organization=flow.home_organization, kind="yearly_report", raised_on=TODAY()
    )
    actions.resolve_alert(by=county, alert=alert, note="已电话提醒")
    flow = actions.mark_lost(by=county, flow=flow, reason="失联")
    flow = actions.mark_found(by=county, flow=flow, reason="找到")
    actions.mark_returned(by=county, flow=flow, reason="返乡")

    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    expected = {
        "member.create",
        "member.update",
        "flow.register",
        "flow.check_in",
        "contact.log",
        "handoff.raise",
        "handoff.done",
        "handoff.refuse",
        "alert.resolve",
        "flow.lost",
        "flow.found",
        "flow.return",
    }
    assert expected <= verbs, expected - verbs
    create = AuditEvent.objects.get(verb="member.create", object_id=str(member.pk))
    assert create.actor == county and create.kind == "create"
    contact = AuditEvent.objects.get(verb="contact.log")
    assert contact.actor == station_staff


# --- bugs found while writing these tests, now fixed ---------------------------------------


def test_inflow_side_can_register_a_member_from_elsewhere(demo: Any) -> None:
    station_staff = demo("user:station05")
    newcomer = actions.create_member(
        by=station_staff,
        name="外来党员",
        ethnicity="01",
        id_number=fresh_id_number("610113"),
        home_organization=None,
        home_organization_name="西安市雁塔区某社区党支部",
    )
    flow = actions.register_flow(
        by=station_staff,
        member=newcomer,
        direction="inflow",
        origin_place=Place.objects.get(code="610112"),
        destination_place=Place.objects.get(code="610113"),
        reason="work",
        left_on=datetime.date(2024, 3, 1),
        inflow_organization=demo("620800-LD05"),
    )
    assert flow.inflow_organization == demo("620800-LD05")


def test_outflow_for_a_member_without_home_branch_is_a_clear_refusal(demo: Any) -> None:
    city = demo("user:city")
    newcomer = actions.create_member(
        by=SYSTEM,  # a system import: no side takes the member in
        name="外来党员",
        ethnicity="01",
        id_number=fresh_id_number("610113"),
        home_organization=None,
        home_organization_name="西安市雁塔区某社区党支部",
    )
    with pytest.raises(DomainError):
        make_flow(city, newcomer, origin_place=Place.objects.get(code="610112"))


def test_check_in_records_the_new_side_in_the_audit_trail(
    demo: Any, county: Any, member: Member
) -> None:
    flow = make_flow(county, member)
    actions.check_in(by=county, flow=flow, inflow_organization=demo("620800-LD05"))
    event = AuditEvent.objects.get(verb="flow.check_in", content_type__model="flowrecord")
    assert event.changes["after"].get("inflow_organization") == demo("620800-LD05").pk


# --- one set of rules for the forms and the census ----------------------------------------


def _member_fields(demo: Any, **changes: Any) -> dict[str, Any]:
    return {
        "name": "李四",
        "sex": "",
        "ethnicity": "01",
        "education": "",
        "birth_date": None,
        "id_number": fresh_id_number(birth=datetime.date(1985, 3, 14)),
        "phone": "",
        "joined_on": None,
        "membership": "full",
        "home_organization": _branch(demo),
        "home_organization_name": "",
        "home_place": None,
    } | changes


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"name": "  "}, "name_required"),
        ({"id_number": "62082119850314001"}, "id_number_format"),
        ({"sex": "2"}, "sex_mismatch"),
        ({"ethnicity": "99x"}, "code_unknown"),
        ({"membership": "honorary"}, "membership_invalid"),
        ({"joined_on": datetime.date(1980, 1, 1)}, "date_too_early"),
        ({"phone": "12345"}, "phone_invalid"),
        ({"home_organization": None}, "home_organization_required"),
    ],
)
def test_member_rules_refuse_alike_on_a_model_and_on_plain_values(
    demo: Any, changes: dict[str, Any], code: str
) -> None:
    """The census checks rows with check_member_values; the forms go through
    prepare_member: one rule, one refusal, whichever way in."""
    fields = _member_fields(demo, **changes)
    by_model = _refused(code, lambda: actions.prepare_member(Member(), dict(fields)))
    by_values = _refused(code, lambda: actions.check_member_values(dict(fields)))
    assert by_model.as_dict() == by_values.as_dict()


def test_member_rules_derive_the_same_fields_on_a_model_and_on_plain_values(demo: Any) -> None:
    fields = _member_fields(demo, phone="138 0000 1111", sex="1")
    member = Member()
    actions.prepare_member(member, dict(fields))
    values = actions.check_member_values(dict(fields))
    assert values["birth_date"] == datetime.date(1985, 3, 14) and values["phone"] == "13800001111"
    assert values["home_place"] == fields["home_organization"].place
    for name, value in values.items():
        assert getattr(member, name) == value, name
    assert member.name_pinyin == actions.pinyin_key("李四")


def test_flow_rules_are_the_same_on_a_model_and_on_plain_values(member: Member) -> None:
    place = Place.objects.get(code="610113")
    facts = {"direction": "outflow", "reason": "work", "left_on": datetime.date(2024, 3, 1)}
    flow = actions.prepare_flow(member, destination_place=place, **facts)
    values = actions.check_flow_values(
        birth_date=member.birth_date,
        home_organization=member.home_organization,
        home_place=member.home_place,
        destination_place=place,
        **facts,
    )
    for name, value in values.items():
        assert getattr(flow, name) == value, name
    early = facts | {"left_on": member.birth_date - datetime.timedelta(days=1)}
    by_model = _refused(
        "date_too_early", lambda: actions.prepare_flow(member, destination_place=place, **early)
    )
    by_values = _refused(
        "date_too_early",
        lambda: actions.check_flow_values(
            birth_date=member.birth_date,
            home_organization=member.home_organization,
            home_place=member.home_place,
            destination_place=place,
            **early,
        ),
    )
    assert by_model.as_dict() == by_values.as_dict()
