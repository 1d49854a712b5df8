"""Transfers of membership as a queue (issue 12, item 5; decision 98): each transition, who may
take it, and the bad input that must be refused with nothing half-written."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.models import AuditEvent
from liudong.members import actions, transfers
from liudong.members.models import FlowRecord, FlowStatus, Member, Transfer, TransferState
from liudong.members.transfer_models import Transfer as TransferModel

from .helpers import make_flow, make_member


def _branch(demo: Any, township: str) -> Any:
    return demo(township).children.order_by("code").first()


@pytest.fixture
def world(demo: Any) -> dict[str, Any]:
    jc, lt = demo("user:jingchuan"), demo("user:lingtai")
    home, there = _branch(demo, "620821001"), _branch(demo, "620822001")
    member = make_member(jc, home, name="杜转接", phone="13900007001")
    flow = make_flow(jc, member, to="620822")  # out of the county, within the city
    return {"jc": jc, "lt": lt, "home": home, "there": there, "member": member, "flow": flow}


def _events(verb: str, obj: Any) -> int:
    return AuditEvent.objects.filter(verb=verb, object_id=str(obj.pk)).count()


def test_inside_the_city_accepting_moves_the_membership_and_closes_the_record(
    world: dict[str, Any],
) -> None:
    jc, lt, member, there = world["jc"], world["lt"], world["member"], world["there"]
    t = actions.start_transfer(by=jc, member=member, to_organization=there, reason="定居灵台")
    assert t.state == TransferState.PENDING and t.flow_id == world["flow"].pk
    assert t.from_organization == world["home"]
    assert t in transfers.to_receive(lt)  # on the receiver's list
    assert t not in transfers.to_receive(jc)  # not on the sender's
    assert t in transfers.outgoing(jc) and t in transfers.incoming(lt)

    accepted = actions.accept_transfer(by=lt, transfer=t, note="已接收")
    assert accepted.state == TransferState.ACCEPTED and accepted.resolved_by == lt
    member.refresh_from_db()
    assert member.home_organization == there
    flow = FlowRecord.objects.get(pk=world["flow"].pk)
    assert flow.status == FlowStatus.TRANSFERRED and not flow.is_open
    assert flow.home_organization == world["home"]  # the sender's ledger keeps the closed stay
    assert _events("transfer.start", t) == 1 and _events("transfer.accept", t) == 1
    assert AuditEvent.objects.filter(verb="transfer.move", object_id=str(member.pk)).exists()
    assert t not in transfers.to_receive(lt)
    # The receiving county now keeps the member; the sending county no longer sees them.
    assert Member.objects.filter(pk=member.pk).exists()
    from liudong.core.scope import CHANGE, can_see, may

    assert may(lt, member, CHANGE) and not can_see(jc, member)


def test_refusal_returns_to_the_sender_with_its_reason(world: dict[str, Any]) -> None:
    jc, lt, member, there = world["jc"], world["lt"], world["member"], world["there"]
    t = actions.start_transfer(by=jc, member=member, to_organization=there)
    refused = actions.refuse_transfer(by=lt, transfer=t, reason="本人未到我支部报到")
    assert refused.state == TransferState.REFUSED and refused.response == "本人未到我支部报到"
    assert t in transfers.refused(jc)  # back on the sender's list, with the reason
    member.refresh_from_db()
    assert member.home_organization == world["home"]
    assert FlowRecord.objects.get(pk=world["flow"].pk).is_open  # the record stays open
    # A new transfer of the same member takes it off the sender's list.
    again = actions.start_transfer(by=jc, member=member, to_organization=there)
    assert again.pk != t.pk and t not in transfers.refused(jc)


def test_outside_the_city_closes_when_the_home_side_confirms_the_letter(
    world: dict[str, Any],
) -> None:
    jc, member = world["jc"], world["member"]
    t = actions.start_transfer(
        by=jc,
        member=member,
        to_organization_name="中共西安市雁塔区某社区委员会",
        letter_number="泾组转〔2026〕18号",
    )
    assert not t.within_city and t in transfers.letters_to_confirm(jc)
    done = actions.confirm_letter(by=jc, transfer=t, note="回执已收到")
    assert done.state == TransferState.CONFIRMED
    flow = FlowRecord.objects.get(pk=world["flow"].pk)
    assert flow.status == FlowStatus.TRANSFERRED and "泾组转〔2026〕18号" in flow.status_reason
    assert t not in transfers.letters_to_confirm(jc)
    assert _events("transfer.confirm", t) == 1


def test_a_member_without_an_open_record_can_be_transferred(demo: Any) -> None:
    jc, lt = demo("user:jingchuan"), demo("user:lingtai")
    member = make_member(jc, _branch(demo, "620821001"), name="钱在家", phone="13900007002")
    t = actions.start_transfer(by=jc, member=member, to_organization=_branch(demo, "620822001"))
    assert t.flow is None
    actions.accept_transfer(by=lt, transfer=t)
    member.refresh_from_db()
    assert member.home_organization == _branch(demo, "620822001")


# --- bad input: a clear message, nothing half-written -----------------------------------------


def _nothing_written(member: Member, before: int) -> None:
    assert Transfer.objects.filter(member=member).count() == before


def test_outside_the_tree_without_a_letter_number_is_refused(world: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as exc:
        actions.start_transfer(
            by=world["jc"], member=world["member"], to_organization_name="某市某支部"
        )
    assert exc.value.code == "letter_number_required" and exc.value.field == "letter_number"
    assert "介绍信编号" in exc.value.message
    _nothing_written(world["member"], 0)
    with pytest.raises(DomainError) as exc:
        actions.start_transfer(by=world["jc"], member=world["member"], letter_number="18")
    assert exc.value.code == "receiver_required"
    _nothing_written(world["member"], 0)


def test_accepting_twice_or_refusing_after_acceptance_is_refused(world: dict[str, Any]) -> None:
    jc, lt, member = world["jc"], world["lt"], world["member"]
    t = actions.start_transfer(by=jc, member=member, to_organization=world["there"])
    actions.accept_transfer(by=lt, transfer=t)
    for again in (
        lambda: actions.accept_transfer(by=lt, transfer=t),
        lambda: actions.refuse_transfer(by=lt, transfer=t, reason="迟了"),
    ):
        with pytest.raises(DomainError) as exc:
            again()
        assert exc.value.code == "transfer_not_pending"
    t.refresh_from_db()
    assert t.state == TransferState.ACCEPTED and t.response == ""
    assert _events("transfer.accept", t) == 1 and _events("transfer.refuse", t) == 0


def test_a_second_pending_transfer_of_a_member_is_refused(world: dict[str, Any], demo: Any) -> None:
    jc, member = world["jc"], world["member"]
    actions.start_transfer(by=jc, member=member, to_organization=world["there"])
    with pytest.raises(DomainError) as exc:
        actions.start_transfer(by=jc, member=member, to_organization=_branch(demo, "620822002"))
    assert exc.value.code == "transfer_pending" and member.name in exc.value.message
    _nothing_written(member, 1)
    # The database says the same, past the action.
    t = Transfer.objects.get(member=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        TransferModel.objects.create(
            member=member, from_organization=t.from_organization, to_organization=world["there"]
        )


def test_only_the_receiving_organization_accepts_or_refuses(
    world: dict[str, Any], demo: Any
) -> None:
    jc, member = world["jc"], world["member"]
    t = actions.start_transfer(by=jc, member=member, to_organization=world["there"])
    with pytest.raises(PermissionDenied) as exc:  # the sender sees it but does not receive it
        actions.accept_transfer(by=jc, transfer=t)
    assert exc.value.code == "not_receiver"
    with pytest.raises(ScopeError):  # another county does not even see it
        actions.refuse_transfer(by=demo("user:chongxin"), transfer=t, reason="x")
    with pytest.raises(PermissionDenied) as exc:  # a member's own account is no staff
        actions.accept_transfer(by=demo("user:member_jc"), transfer=t)
    assert exc.value.code == "forbidden"
    with pytest.raises(PermissionDenied):  # the receiver cannot confirm a letter
        actions.confirm_letter(by=world["lt"], transfer=t)
    with pytest.raises(DomainError) as exc:  # the sender: no letter inside the city
        actions.confirm_letter(by=jc, transfer=t)
    assert exc.value.code == "not_a_letter"
    with pytest.raises(DomainError) as exc:  # a refusal needs its reason
        actions.refuse_transfer(by=world["lt"], transfer=t, reason="  ")
    assert exc.value.code == "reason_required"
    t.refresh_from_db()
    member.refresh_from_db()
    assert t.state == TransferState.PENDING and member.home_organization == world["home"]


def test_only_the_home_side_sends_and_only_to_a_branch(world: dict[str, Any], demo: Any) -> None:
    with pytest.raises(ScopeError):  # 灵台 does not see 泾川's member
        actions.start_transfer(
            by=world["lt"], member=world["member"], to_organization=world["there"]
        )
    for org, code in ((demo("620822"), "receiver_not_branch"), (world["home"], "transfer_to_same")):
        with pytest.raises(DomainError) as exc:
            actions.start_transfer(by=world["jc"], member=world["member"], to_organization=org)
        assert exc.value.code == code
    _nothing_written(world["member"], 0)


def test_a_failed_acceptance_leaves_everything_as_it_was(world: dict[str, Any]) -> None:
    """The record lost contact after the transfer was sent: acceptance is refused whole."""
    jc, lt, member = world["jc"], world["lt"], world["member"]
    t = actions.start_transfer(by=jc, member=member, to_organization=world["there"])
    actions.mark_lost(by=jc, flow=world["flow"], reason="失联")
    with pytest.raises(DomainError) as exc:
        actions.accept_transfer(by=lt, transfer=t)
    assert exc.value.code == "transition_not_allowed"
    t.refresh_from_db()
    member.refresh_from_db()
    assert t.state == TransferState.PENDING and member.home_organization == world["home"]
    assert FlowRecord.objects.get(pk=world["flow"].pk).status == FlowStatus.LOST
