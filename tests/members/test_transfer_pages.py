"""Transfers on pages (issue 12, items 5 and 10): started from the member's page, on both sides'
transfers page, to-do list and bell; accepted, refused and confirmed by buttons; bad input
answered in the user's language with nothing written. A refused hand-off dismissed by its
sender with a note."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from liudong.accounts.models import User
from liudong.core.errors import DomainError, PermissionDenied
from liudong.core.models import AuditEvent
from liudong.members import actions
from liudong.members.models import FlowRecord, FlowStatus, Handoff, HandoffState, Transfer

from .helpers import make_flow, make_member


def _branch(demo: Any, township: str) -> Any:
    return demo(township).children.order_by("code").first()


def _bell(client: Any, key: str) -> int:
    found = re.search(
        rf'data-attention="{key}">.*?ld-num">(\d+)<', client.get("/attention/").content.decode()
    )
    return int(found.group(1)) if found else 0


@pytest.fixture
def member(demo: Any) -> Any:
    jc = demo("user:jingchuan")
    person = make_member(jc, _branch(demo, "620821001"), name="孙转页", phone="13900007101")
    make_flow(jc, person, to="620822")
    return person


def test_a_transfer_is_started_from_the_member_page_and_accepted_on_the_other_side(
    login: Any, demo: Any, member: Any
) -> None:
    county, receiver = login("jingchuan"), login("lingtai")
    page = county.get(reverse("members:member_detail", args=[member.pk])).content.decode()
    start = reverse("members:transfer_create", args=[member.pk])
    assert start in page and 'data-panel="transfers"' in page
    bell_before = _bell(receiver, "transfers")
    there = _branch(demo, "620822001")
    response = county.post(
        start, {"within_city": "1", "to_organization": there.pk, "reason": "定居"}
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get(member=member)
    assert transfer.to_organization == there and transfer.state == "pending"

    # The receiving county: on the bell, the to-do list and the transfers page.
    assert _bell(receiver, "transfers") == bell_before + 1
    todo = receiver.get(reverse("members:todo")).content.decode()
    assert f'data-transfer="{transfer.pk}"' in todo
    listing = receiver.get(reverse("members:transfers")).content.decode()
    assert f'data-transfer="{transfer.pk}"' in listing and "待接收" in listing
    detail = receiver.get(reverse("members:transfer_detail", args=[transfer.pk])).content.decode()
    assert 'data-action="accept"' in detail and 'data-action="refuse"' in detail
    # The sender sees it but gets no accept button.
    sender_view = county.get(
        reverse("members:transfer_detail", args=[transfer.pk])
    ).content.decode()
    assert 'data-action="accept"' not in sender_view

    accepted = receiver.post(reverse("members:transfer_accept", args=[transfer.pk]), {"note": ""})
    assert accepted.status_code == 302
    transfer.refresh_from_db()
    member.refresh_from_db()
    assert transfer.state == "accepted" and member.home_organization == there
    assert _bell(receiver, "transfers") == bell_before
    # Both ledgers show the result: the member now on 灵台's list, the closed stay on 泾川's.
    assert (
        member.name
        in receiver.get(reverse("members:member_list"), {"q": member.name}).content.decode()
    )
    flow = FlowRecord.objects.get(member=member)
    assert flow.status == FlowStatus.TRANSFERRED
    outgoing = county.get(reverse("members:transfers")).content.decode()
    assert f'data-transfer="{transfer.pk}"' in outgoing and "已接收" in outgoing


def test_bad_input_on_the_form_is_answered_in_chinese_and_nothing_is_written(
    login: Any, member: Any
) -> None:
    county = login("jingchuan")
    start = reverse("members:transfer_create", args=[member.pk])
    response = county.post(start, {"within_city": "0", "to_organization_name": "外省某支部"})
    assert response.status_code == 200
    assert "转往市外须填写介绍信编号" in response.content.decode()
    assert not Transfer.objects.filter(member=member).exists()


def test_a_refusal_goes_back_to_the_sender_and_a_second_answer_is_refused(
    login: Any, demo: Any, member: Any
) -> None:
    county, receiver = login("jingchuan"), login("lingtai")
    transfer = actions.start_transfer(
        by=demo("user:jingchuan"), member=member, to_organization=_branch(demo, "620822001")
    )
    refuse = reverse("members:transfer_refuse", args=[transfer.pk])
    empty = receiver.post(refuse, {"reason": ""})
    assert empty.status_code == 400 and "请填写退回原因" in empty.content.decode()
    transfer.refresh_from_db()
    assert transfer.state == "pending"
    back_before = _bell(county, "transfers_back")
    assert receiver.post(refuse, {"reason": "尚未报到"}).status_code == 302
    assert _bell(county, "transfers_back") == back_before + 1
    page = county.get(reverse("members:transfers")).content.decode()
    assert "尚未报到" in page and 'id="refused"' in page
    again = receiver.post(reverse("members:transfer_accept", args=[transfer.pk]), {"note": ""})
    assert again.status_code == 400 and "已不是待接收状态" in again.content.decode()
    transfer.refresh_from_db()
    assert transfer.state == "refused"
    # The sender may not accept; another county does not see it at all.
    own = county.post(reverse("members:transfer_accept", args=[transfer.pk]), {"note": ""})
    assert own.status_code == 400
    assert (
        login("chongxin").get(reverse("members:transfer_detail", args=[transfer.pk])).status_code
        == 404
    )


def test_a_letter_outside_the_city_is_confirmed_by_the_home_side(
    login: Any, demo: Any, member: Any
) -> None:
    county = login("jingchuan")
    start = reverse("members:transfer_create", args=[member.pk])
    county.post(
        start,
        {
            "within_city": "0",
            "to_organization_name": "中共兰州市某支部",
            "letter_number": "泾组〔2026〕3号",
        },
    )
    transfer = Transfer.objects.get(member=member)
    detail = county.get(reverse("members:transfer_detail", args=[transfer.pk])).content.decode()
    assert 'data-action="confirm"' in detail
    response = county.post(
        reverse("members:transfer_confirm", args=[transfer.pk]), {"note": "回执已收到"}
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.state == "confirmed"
    assert FlowRecord.objects.get(member=member).status == FlowStatus.TRANSFERRED


# --- a refused hand-off dismissed by its sender (item 10) -------------------------------------


@pytest.fixture
def refused_handoff(demo: Any) -> Handoff:
    jc = demo("user:jingchuan")
    person = make_member(jc, _branch(demo, "620821001"), name="周退回", phone="13900007102")
    flow = make_flow(jc, person, to="610113")
    flow = actions.check_in(by=jc, flow=flow, inflow_organization=demo("620800-LD05"))
    handoff = actions.raise_handoff(by=jc, flow=flow, kind="visit", message="请走访")
    station = (
        handoff.to_organization.staff.first() if hasattr(handoff.to_organization, "staff") else None
    )
    from liudong.accounts.models import User

    station = User.objects.filter(organization=handoff.to_organization, is_active=True).first()
    return actions.refuse_handoff(by=station, handoff=handoff, reason="本站联系不上")


def test_the_sender_dismisses_a_refused_handoff_with_a_note(
    login: Any, demo: Any, refused_handoff: Handoff
) -> None:
    county = login("jingchuan")
    rework_before = _bell(county, "rework")
    todo = county.get(reverse("members:todo")).content.decode()
    dismiss = reverse("members:handoff_dismiss", args=[refused_handoff.pk])
    assert dismiss in todo
    empty = county.post(dismiss, {"note": ""})
    assert empty.status_code == 200 and "请填写说明" in empty.content.decode()
    assert Handoff.objects.get(pk=refused_handoff.pk).dismissed_at is None
    assert county.post(dismiss, {"note": "已由本支部电话联系"}).status_code == 302
    handoff = Handoff.objects.get(pk=refused_handoff.pk)
    assert handoff.dismissed_at is not None and handoff.dismissal_note == "已由本支部电话联系"
    assert handoff.state == HandoffState.REFUSED and handoff.response == "本站联系不上"
    assert _bell(county, "rework") == rework_before - 1
    assert (
        f'data-handoff="{handoff.pk}"' not in county.get(reverse("members:todo")).content.decode()
    )
    assert AuditEvent.objects.filter(verb="handoff.dismiss", object_id=str(handoff.pk)).count() == 1
    # Twice, or by the receiving side: refused, nothing changes.
    with pytest.raises(DomainError) as exc:
        actions.dismiss_handoff(by=demo("user:jingchuan"), handoff=handoff, note="再次")
    assert exc.value.code == "handoff_dismissed"
    station = User.objects.filter(organization=handoff.to_organization, is_active=True).first()
    with pytest.raises(PermissionDenied) as exc:
        actions.dismiss_handoff(by=station, handoff=handoff, note="x")
    assert exc.value.code == "not_sender"


def test_an_open_handoff_cannot_be_dismissed(demo: Any, refused_handoff: Handoff) -> None:
    jc = demo("user:jingchuan")
    open_one = actions.raise_handoff(by=jc, flow=refused_handoff.flow, kind="visit")
    with pytest.raises(DomainError) as exc:
        actions.dismiss_handoff(by=jc, handoff=open_one, note="不需要了")
    assert exc.value.code == "handoff_not_refused"
    assert Handoff.objects.get(pk=open_one.pk).dismissed_at is None
