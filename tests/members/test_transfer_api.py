"""The transfers API (/api/v1/transfers/, decision 98) and the hand-off dismissal
(/api/v1/handoffs/{id}/dismiss/): the same actions as the pages, the same error codes."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from liudong.accounts.models import User
from liudong.members import actions
from liudong.members.models import Member, Transfer

from .helpers import make_flow, make_member

TRANSFERS = "/api/v1/transfers/"
HANDOFFS = "/api/v1/handoffs/"


def api(demo: Any, username: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(demo(f"user:{username}"))
    return client


def _branch(demo: Any, township: str) -> Any:
    return demo(township).children.order_by("code").first()


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code, response.json()
    return response.json()


def _member(demo: Any, name: str, phone: str) -> Member:
    jc = demo("user:jingchuan")
    person = make_member(jc, _branch(demo, "620821001"), name=name, phone=phone)
    make_flow(jc, person, to="620822")
    return person


def test_create_list_accept_and_the_refusals(demo: Any) -> None:
    county, receiver, other = api(demo, "jingchuan"), api(demo, "lingtai"), api(demo, "chongxin")
    member = _member(demo, "吴接口", "13900007201")
    there = _branch(demo, "620822001")

    no_letter = county.post(
        TRANSFERS, {"member": member.pk, "to_organization_name": "外地某支部"}, format="json"
    )
    assert _error(no_letter, 400, "letter_number_required")["field"] == "letter_number"
    assert not Transfer.objects.filter(member=member).exists()

    created = county.post(
        TRANSFERS, {"member": member.pk, "to_organization": there.code}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["state"] == "pending" and body["to_organization"] == there.code
    assert body["from_organization"] == _branch(demo, "620821001").code
    pk = body["id"]
    _error(
        county.post(TRANSFERS, {"member": member.pk, "to_organization": there.code}, format="json"),
        400,
        "transfer_pending",
    )

    inbox = receiver.get(TRANSFERS, {"box": "inbox", "state": "pending", "page_size": 200})
    assert pk in {row["id"] for row in inbox.json()["results"]}
    outbox = county.get(TRANSFERS, {"box": "outbox", "member": member.pk})
    assert [row["id"] for row in outbox.json()["results"]] == [pk]
    assert other.get(f"{TRANSFERS}{pk}/").status_code == 404  # out of scope looks missing
    assert county.get(f"{TRANSFERS}{pk}/").json()["member_name"] == "吴接口"

    _error(county.post(f"{TRANSFERS}{pk}/accept/", {}), 403, "not_receiver")
    _error(receiver.post(f"{TRANSFERS}{pk}/confirm/", {}), 403, "not_sender")
    _error(receiver.post(f"{TRANSFERS}{pk}/refuse/", {"reason": ""}), 400, "reason_required")
    accepted = receiver.post(f"{TRANSFERS}{pk}/accept/", {"note": "已接收"})
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert accepted.json()["resolved_by"] == "lingtai"
    _error(receiver.post(f"{TRANSFERS}{pk}/accept/", {}), 400, "transfer_not_pending")
    _error(receiver.post(f"{TRANSFERS}{pk}/refuse/", {"reason": "x"}), 400, "transfer_not_pending")
    member.refresh_from_db()
    assert member.home_organization == there


def test_outside_the_city_by_letter(demo: Any) -> None:
    county = api(demo, "jingchuan")
    member = _member(demo, "郑信函", "13900007202")
    created = county.post(
        TRANSFERS,
        {
            "member": member.pk,
            "to_organization_name": "中共兰州市某支部",
            "letter_number": "泾组〔2026〕9号",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["to_organization"] is None
    confirmed = county.post(f"{TRANSFERS}{pk}/confirm/", {"note": "回执已收到"})
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "confirmed"
    _error(county.post(f"{TRANSFERS}{pk}/confirm/", {}), 400, "transfer_not_pending")


def test_a_refused_handoff_is_dismissed_by_its_sender(demo: Any) -> None:
    jc = demo("user:jingchuan")
    person = make_member(jc, _branch(demo, "620821001"), name="冯关闭", phone="13900007203")
    flow = actions.check_in(
        by=jc, flow=make_flow(jc, person, to="610113"), inflow_organization=demo("620800-LD05")
    )
    handoff = actions.raise_handoff(by=jc, flow=flow, kind="visit")
    station = User.objects.filter(organization=handoff.to_organization, is_active=True).first()
    station_api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    station_api.force_authenticate(station)
    _error(station_api.post(f"{HANDOFFS}{handoff.pk}/dismiss/", {"note": "x"}), 403, "not_sender")
    _error(
        api(demo, "jingchuan").post(f"{HANDOFFS}{handoff.pk}/dismiss/", {"note": "x"}),
        400,
        "handoff_not_refused",
    )
    actions.refuse_handoff(by=station, handoff=handoff, reason="联系不上")
    county = api(demo, "jingchuan")
    _error(county.post(f"{HANDOFFS}{handoff.pk}/dismiss/", {"note": ""}), 400, "note_required")
    done = county.post(f"{HANDOFFS}{handoff.pk}/dismiss/", {"note": "已电话联系本人"})
    assert done.status_code == 200 and done.json()["dismissal_note"] == "已电话联系本人"
    assert done.json()["dismissed_at"] is not None
    _error(
        county.post(f"{HANDOFFS}{handoff.pk}/dismiss/", {"note": "再次"}), 400, "handoff_dismissed"
    )
