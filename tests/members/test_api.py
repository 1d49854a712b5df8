"""Ledger API: scoped lists and details, masked personal data, writes through the actions,
the lifecycle endpoints, contacts, hand-offs, alerts and the error shape."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from liudong.core.models import AuditEvent
from liudong.members import actions
from liudong.members.models import Alert, FlowRecord, Member

from .helpers import make_flow
from .test_actions import fresh_id_number, new_member

MEMBERS = "/api/v1/members/"
FLOWS = "/api/v1/flow-records/"
CONTACTS = "/api/v1/contacts/"
HANDOFFS = "/api/v1/handoffs/"
ALERTS = "/api/v1/alerts/"


def api(demo: Any, username: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(demo(f"user:{username}"))
    return client


def _branch(demo: Any, township: str) -> Any:
    return demo(township).children.order_by("code").first()


def _error(response: Any, status: int, code: str, field: str | None = "") -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert {"code", "message", "field"} <= set(body)
    assert body["code"] == code, body
    if field != "":
        assert body["field"] == field, body
    return body


def _rows(client: APIClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """One list in full (the test database holds a demo ledger besides our rows)."""
    response = client.get(path, {"page_size": 500, **params})
    assert response.status_code == 200, response.content
    assert response.json()["next"] is None, "filter more: the list has over 500 rows"
    return response.json()["results"]


def _list(client: APIClient, path: str, **params: Any) -> set[int]:
    return {row["id"] for row in _rows(client, path, **params)}


def _link(member: Member, user: Any) -> None:
    """Make ``user`` the member's own account (the demo ledger may have linked it already)."""
    Member.objects.filter(user=user).exclude(pk=member.pk).update(user=None)
    member.user = user
    member.save()


@pytest.fixture
def jc_member(demo: Any) -> Member:
    return new_member(
        demo("user:jingchuan"), _branch(demo, "620821001"), name="王建国", phone="13912345678"
    )


@pytest.fixture
def lt_member(demo: Any) -> Member:
    return new_member(demo("user:lingtai"), _branch(demo, "620822001"), name="李秀英", sex="2")


@pytest.fixture
def jc_flow(demo: Any, jc_member: Member) -> FlowRecord:
    return make_flow(demo("user:jingchuan"), jc_member, inflow_organization=demo("620800-LD01"))


# --- members --------------------------------------------------------------------------------


def test_member_list_and_detail_are_scoped(demo: Any, jc_member: Member, lt_member: Member) -> None:
    jingchuan, lingtai = api(demo, "jingchuan"), api(demo, "lingtai")
    seen_by_jingchuan = _list(jingchuan, MEMBERS)
    assert jc_member.pk in seen_by_jingchuan and lt_member.pk not in seen_by_jingchuan
    seen_by_lingtai = _list(lingtai, MEMBERS)
    assert lt_member.pk in seen_by_lingtai and jc_member.pk not in seen_by_lingtai
    county_path = demo("620821").path
    for member in Member.objects.filter(pk__in=seen_by_jingchuan).select_related(
        "home_organization", "inflow_organization", "residence_organization"
    ):
        # the county where an inflow member lives is a side too (decision 95)
        sides = [
            member.home_organization,
            member.inflow_organization,
            member.residence_organization,
        ]
        assert any(org is not None and org.path.startswith(county_path) for org in sides)
    city = api(demo, "city")
    for member in (jc_member, lt_member):
        assert city.get(f"{MEMBERS}{member.pk}/").status_code == 200
    assert jingchuan.get(f"{MEMBERS}{jc_member.pk}/").status_code == 200
    _error(jingchuan.get(f"{MEMBERS}{lt_member.pk}/"), 404, "not_found")


def test_member_responses_mask_id_number_and_phone(demo: Any, jc_member: Member) -> None:
    client = api(demo, "jingchuan")
    detail = client.get(f"{MEMBERS}{jc_member.pk}/")
    body = detail.json()
    assert body["id_number_masked"] == jc_member.id_number_masked
    assert body["phone_masked"] == "139****5678"
    assert "id_number" not in body and "phone" not in body
    listed = client.get(MEMBERS, {"q": "王建国"}).content.decode()
    assert str(jc_member.pk) in listed
    for response_text in (detail.content.decode(), listed):
        assert jc_member.id_number not in response_text
        assert "13912345678" not in response_text


def test_member_search_by_name_and_pinyin(demo: Any, jc_member: Member) -> None:
    client = api(demo, "jingchuan")
    for query in ["王建", "王建国", "wangjianguo", "wangj", "wjg", "WJG"]:
        assert jc_member.pk in _list(client, MEMBERS, q=query), query
    # A full number only in a POST search's body (decision 65), never in the query string.
    found = client.post(f"{MEMBERS}search/", {"q": jc_member.id_number}, format="json")
    assert [row["id"] for row in found.json()["results"]] == [jc_member.pk]
    _error(client.get(MEMBERS, {"q": jc_member.id_number}), 400, "personal_data_in_url", "q")
    assert jc_member.pk not in _list(client, MEMBERS, q="zhangsan")
    assert jc_member.pk in _list(client, MEMBERS, search="wjg")


def test_member_filters_and_org_subtree(demo: Any, jc_member: Member) -> None:
    county = demo("user:jingchuan")
    other = new_member(county, _branch(demo, "620821002"), name="刘芳", sex="2")
    actions.update_member(by=county, member=other, membership="probationary")
    client = api(demo, "jingchuan")
    probationary = _rows(client, MEMBERS, membership="probationary")
    assert other.pk in {row["id"] for row in probationary}
    assert {row["membership"] for row in probationary} == {"probationary"}
    women = _rows(client, MEMBERS, sex="2")
    assert other.pk in {row["id"] for row in women}
    assert jc_member.pk not in {row["id"] for row in women}
    assert {row["sex"] for row in women} == {"2"}
    in_town = _list(client, MEMBERS, org="620821001")
    assert jc_member.pk in in_town and other.pk not in in_town
    _error(client.get(MEMBERS, {"org": "620822"}), 404, "org_not_found", "org")


def test_create_member_through_the_api(demo: Any) -> None:
    number = fresh_id_number("620821", sex="2", birth=datetime.date(1979, 10, 1))
    response = api(demo, "jingchuan").post(
        MEMBERS,
        {
            "name": "张桂兰",
            "sex": "女",  # a code's name is accepted too
            "ethnicity": "01",
            "id_number": number,
            "phone": "138 0933 1234",
            "education": "21",
            "joined_on": "2005-07-01",
            "home_organization": _branch(demo, "620821001").code,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sex"] == "2" and body["birth_month"] == "1979-10"
    assert body["id_number_masked"] == number[:6] + "********" + number[-4:]
    assert body["phone_masked"] == "138****1234"
    assert number not in response.content.decode()
    member = Member.objects.get(pk=body["id"])
    assert member.id_number == number and member.phone == "13809331234"
    assert AuditEvent.objects.filter(verb="member.create", object_id=str(member.pk)).exists()


def test_create_member_with_a_bad_id_number_is_400_on_that_field(demo: Any) -> None:
    number = fresh_id_number()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    response = api(demo, "jingchuan").post(
        MEMBERS,
        {
            "name": "错号",
            "ethnicity": "01",
            "id_number": wrong,
            "home_organization": _branch(demo, "620821001").code,
        },
        format="json",
    )
    _error(response, 400, "id_number_check", "id_number")
    assert not Member.objects.filter(name="错号").exists()


def test_create_member_duplicate_and_bad_input(demo: Any, jc_member: Member) -> None:
    client = api(demo, "jingchuan")
    base = {"name": "重复", "ethnicity": "01", "home_organization": "620821001"}
    duplicate = client.post(MEMBERS, base | {"id_number": jc_member.id_number}, format="json")
    assert jc_member.name in _error(duplicate, 400, "id_number_exists", "id_number")["message"]
    unknown = client.post(
        MEMBERS, base | {"id_number": fresh_id_number(), "ethnicity": "99x"}, format="json"
    )
    _error(unknown, 400, "code_unknown", "ethnicity")
    missing = client.post(MEMBERS, {"name": "缺号"}, format="json")
    assert missing.status_code == 400 and missing.json()["field"] in ("ethnicity", "id_number")
    outside = client.post(
        MEMBERS,
        base | {"id_number": fresh_id_number(), "home_organization": "620822"},
        format="json",
    )
    _error(outside, 404, "org_not_found", "home_organization")


def test_lingtai_duplicate_of_a_jingchuan_member_names_no_one(demo: Any, jc_member: Member) -> None:
    response = api(demo, "lingtai").post(
        MEMBERS,
        {
            "name": "重复",
            "ethnicity": "01",
            "id_number": jc_member.id_number.lower(),
            "home_organization": "620822001",
        },
        format="json",
    )
    body = _error(response, 400, "registered_elsewhere", "id_number")  # decision 66
    assert jc_member.name not in body["message"]


def test_patch_member(demo: Any, jc_member: Member) -> None:
    client = api(demo, "jingchuan")
    response = client.patch(
        f"{MEMBERS}{jc_member.pk}/", {"phone": "13700001234", "education": "14"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["phone_masked"] == "137****1234"
    assert response.json()["education"] == "14"
    jc_member.refresh_from_db()
    assert jc_member.phone == "13700001234"
    event = AuditEvent.objects.filter(verb="member.update", object_id=str(jc_member.pk)).latest(
        "id"
    )
    assert event.actor == demo("user:jingchuan")
    bad = client.patch(f"{MEMBERS}{jc_member.pk}/", {"phone": "12345"}, format="json")
    _error(bad, 400, "phone_invalid", "phone")
    _error(
        api(demo, "lingtai").patch(f"{MEMBERS}{jc_member.pk}/", {"name": "x"}, format="json"),
        404,
        "not_found",
    )


def test_reveal_is_audited(demo: Any, jc_member: Member) -> None:
    response = api(demo, "jingchuan").post(
        f"{MEMBERS}{jc_member.pk}/reveal/", {"field": "id_number", "reason": "核对"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"field": "id_number", "value": jc_member.id_number}
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.filter(kind="reveal", object_id=str(jc_member.pk)).latest("id")
    assert event.verb == "reveal.id_number" and event.actor == demo("user:jingchuan")
    assert event.reason == "核对" and jc_member.id_number not in str(event.changes) + event.detail
    phone = api(demo, "station01").post(
        f"{MEMBERS}{jc_member.pk}/reveal/", {"field": "phone"}, format="json"
    )
    _error(phone, 404, "not_found")  # not co-managed by 兰州 (yet)
    bad_field = api(demo, "jingchuan").post(
        f"{MEMBERS}{jc_member.pk}/reveal/", {"field": "name"}, format="json"
    )
    _error(bad_field, 400, "invalid_choice", "field")


def test_reveal_is_forbidden_for_a_member_and_the_refusal_audited(
    demo: Any, jc_member: Member
) -> None:
    _link(jc_member, demo("user:member_jc"))
    response = api(demo, "member_jc").post(
        f"{MEMBERS}{jc_member.pk}/reveal/", {"field": "phone"}, format="json"
    )
    _error(response, 403, "reveal_forbidden")
    assert "13912345678" not in response.content.decode()
    assert AuditEvent.objects.filter(
        kind="denied", verb="reveal.phone", object_id=str(jc_member.pk)
    ).exists()


# --- flow records ---------------------------------------------------------------------------


def test_register_flow_through_the_api(demo: Any, jc_member: Member) -> None:
    client = api(demo, "jingchuan")
    body = {
        "member": jc_member.pk,
        "direction": "outflow",
        "destination_place": "610113",
        "destination_address": "西安市雁塔区电子城街道",
        "employer": "西安某软件公司",
        "reason": "务工",
        "left_on": "2024-05-01",
        "inflow_organization": "620800-LD05",
    }
    response = client.post(FLOWS, body, format="json")
    assert response.status_code == 201, response.content
    flow = response.json()
    assert flow["flow_scope"] == "out_of_province" and flow["reason"] == "work"
    assert flow["status"] == "registered" and flow["is_open"] is True
    assert flow["inflow_organization"] == "620800-LD05" and flow["origin_place"] == "620821"
    assert client.get(f"{MEMBERS}{jc_member.pk}/").json()["open_flow"] == flow["id"]
    _error(client.post(FLOWS, body, format="json"), 400, "open_flow_exists", "member")


def test_register_flow_bad_input(demo: Any, jc_member: Member, lt_member: Member) -> None:
    client = api(demo, "jingchuan")
    body = {
        "member": jc_member.pk,
        "direction": "outflow",
        "destination_place": "610113",
        "reason": "work",
        "left_on": "2024-05-01",
    }
    _error(
        client.post(FLOWS, body | {"destination_place": "999999"}, format="json"),
        400,
        "does_not_exist",
        "destination_place",
    )
    _error(
        client.post(FLOWS, body | {"destination_place": "610100"}, format="json"),
        400,
        "place_not_county",
        "destination_place",
    )
    _error(client.post(FLOWS, body | {"member": lt_member.pk}, format="json"), 404, "not_found")
    _error(
        client.post(FLOWS, body | {"inflow_organization": "nope"}, format="json"),
        400,
        "organization_unknown",
        "inflow_organization",
    )
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    _error(
        client.post(FLOWS, body | {"left_on": future}, format="json"),
        400,
        "date_in_future",
        "left_on",
    )
    _error(
        client.post(FLOWS, body | {"direction": "inflow"}, format="json"),
        400,
        "inflow_organization_required",
        "inflow_organization",
    )
    assert not jc_member.flows.exists()


def test_lifecycle_endpoints(demo: Any, jc_flow: FlowRecord) -> None:
    client = api(demo, "jingchuan")
    url = f"{FLOWS}{jc_flow.pk}/"
    checked_in = client.post(
        f"{url}check-in/", {"inflow_organization": "620800-LD05", "reason": "已到站报到"}
    )
    assert checked_in.status_code == 200, checked_in.content
    assert checked_in.json()["status"] == "managed"
    assert checked_in.json()["inflow_organization"] == "620800-LD05"
    _error(client.post(f"{url}lose/", {}), 400, "reason_required", "reason")
    assert client.post(f"{url}lose/", {"reason": "电话停机"}).json()["status"] == "lost"
    assert client.post(f"{url}find/", {"reason": "联系上"}).json()["status"] == "managed"
    returned = client.post(f"{url}return/", {"on": "2025-01-20", "reason": "返乡"})
    assert returned.status_code == 200, returned.content
    assert returned.json()["is_open"] is False and returned.json()["closed_on"] == "2025-01-20"
    _error(client.post(f"{url}transfer/", {"reason": "x"}), 400, "use_transfers")
    verbs = set(
        AuditEvent.objects.filter(
            content_type__model="flowrecord", object_id=str(jc_flow.pk)
        ).values_list("verb", flat=True)
    )
    assert {"flow.register", "flow.check_in", "flow.lost", "flow.found", "flow.return"} <= verbs


def test_transfer_and_suspend_endpoints(demo: Any, jc_member: Member, lt_member: Member) -> None:
    jingchuan, lingtai = api(demo, "jingchuan"), api(demo, "lingtai")
    transfer = make_flow(demo("user:jingchuan"), jc_member)
    # The old door closed the record without the receiving side: it now points to the queue.
    _error(
        jingchuan.post(f"{FLOWS}{transfer.pk}/transfer/", {"reason": "转入西安雁塔区"}),
        400,
        "use_transfers",
    )
    transfer.refresh_from_db()
    assert transfer.is_open
    _error(lingtai.post(f"{FLOWS}{transfer.pk}/transfer/", {"reason": "x"}), 404, "not_found")
    actions.mark_transferred(by=demo("user:jingchuan"), flow=transfer, reason="转入西安雁塔区")
    suspend = make_flow(demo("user:lingtai"), lt_member)
    _error(
        lingtai.post(f"{FLOWS}{suspend.pk}/suspend/", {"reason": "x"}),
        400,
        "transition_not_allowed",
    )
    lingtai.post(f"{FLOWS}{suspend.pk}/lose/", {"reason": "失联"})
    suspended = lingtai.post(f"{FLOWS}{suspend.pk}/suspend/", {"reason": "失联六个月"})
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    _error(jingchuan.post(f"{FLOWS}{suspend.pk}/lose/", {"reason": "x"}), 404, "not_found")
    _error(
        jingchuan.post(f"{FLOWS}{transfer.pk}/check-in/", {"on": "2020-01-01"}),
        400,
        "transition_not_allowed",
    )


def test_flow_filters(demo: Any, jc_member: Member, lt_member: Member) -> None:
    county = demo("user:jingchuan")
    to_xian = make_flow(county, jc_member, inflow_organization=demo("620800-LD05"))
    near = new_member(county, _branch(demo, "620821002"), name="近处")
    to_pingliang = make_flow(county, near, to="620802", reason="study")
    actions.mark_returned(by=county, flow=to_pingliang, reason="返乡")
    client = api(demo, "jingchuan")
    mine = {to_xian.pk, to_pingliang.pk}

    def only(expected: set[int], check: Any = None, **params: Any) -> None:
        rows = _rows(client, FLOWS, **params)
        assert {row["id"] for row in rows} & mine == expected, params
        if check is not None:
            assert all(check(row) for row in rows), params

    only({to_xian.pk}, lambda row: row["destination_place"].startswith("61"), destination="61")
    only({to_pingliang.pk}, lambda row: row["destination_place"][:4] == "6208", destination="6208")
    only(
        {to_pingliang.pk},
        lambda row: row["flow_scope"] == "out_of_county",
        flow_scope="out_of_county",
    )
    only({to_xian.pk}, lambda row: row["is_open"], is_open="true")
    only({to_pingliang.pk}, lambda row: not row["is_open"], is_open="false")
    only({to_pingliang.pk}, lambda row: row["status"] == "returned", status="returned")
    only({to_pingliang.pk}, lambda row: row["reason"] == "study", reason="study")
    only(mine, lambda row: row["direction"] == "outflow", direction="outflow")
    only(
        {to_xian.pk},
        lambda row: row["inflow_organization"] == "620800-LD05",
        inflow_organization="620800-LD05",
    )
    only({to_xian.pk}, org="620800-LD05")
    only({to_pingliang.pk}, member=near.pk)
    only({to_xian.pk}, q="wjg")
    # Overdue: open, and no contact for 90 days (never contacted: since leaving).
    only({to_xian.pk}, lambda row: row["is_open"], overdue="true")
    actions.log_contact(by=county, flow=to_xian, method="phone")
    only(set(), overdue="true")
    only(mine, overdue="false")
    assert to_xian.pk not in _list(api(demo, "lingtai"), FLOWS)
    _error(
        client.get(FLOWS, {"inflow_organization": "620800-LD05", "org": "620822"}),
        404,
        "org_not_found",
    )


def test_overdue_follows_the_last_contact(demo: Any, jc_member: Member) -> None:
    county = demo("user:jingchuan")
    recent = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    flow = make_flow(county, jc_member, left_on=datetime.date.fromisoformat(recent))
    client = api(demo, "jingchuan")
    assert flow.pk not in _list(client, FLOWS, overdue="true", member=jc_member.pk)
    long_ago = timezone.localdate() - datetime.timedelta(days=120)
    FlowRecord.objects.filter(pk=flow.pk).update(left_on=long_ago - datetime.timedelta(days=9))
    flow.refresh_from_db()
    assert flow.pk in _list(client, FLOWS, overdue="true", member=jc_member.pk)
    actions.log_contact(by=county, flow=flow, method="phone", on=long_ago)
    assert flow.pk in _list(client, FLOWS, overdue="true", member=jc_member.pk)
    actions.log_contact(by=county, flow=flow, method="visit")
    assert flow.pk not in _list(client, FLOWS, overdue="true", member=jc_member.pk)


# --- contacts -------------------------------------------------------------------------------


def test_contacts_logged_by_either_side(demo: Any, jc_flow: FlowRecord) -> None:
    home = api(demo, "jingchuan").post(
        CONTACTS, {"flow": jc_flow.pk, "method": "phone", "note": "电话联系"}, format="json"
    )
    assert home.status_code == 201, home.content
    assert home.json()["organization"] == jc_flow.home_organization.code
    station = api(demo, "station01").post(
        CONTACTS,
        {"flow": jc_flow.pk, "method": "visit", "contacted_on": "2024-06-01"},
        format="json",
    )
    assert station.status_code == 201, station.content
    assert station.json()["organization"] == "620800-LD01"
    assert station.json()["by"] == "station01"
    both = {home.json()["id"], station.json()["id"]}
    assert _list(api(demo, "jingchuan"), CONTACTS, flow=jc_flow.pk) == both
    assert _list(api(demo, "station01"), CONTACTS, flow=jc_flow.pk) == both
    assert _list(api(demo, "lingtai"), CONTACTS, flow=jc_flow.pk) == set()
    _error(
        api(demo, "lingtai").post(CONTACTS, {"flow": jc_flow.pk, "method": "phone"}),
        404,
        "not_found",
        "flow",
    )
    _error(
        api(demo, "jingchuan").post(CONTACTS, {"flow": jc_flow.pk, "method": "pigeon"}),
        400,
        "invalid_choice",
        "method",
    )


# --- hand-offs ------------------------------------------------------------------------------


def test_handoff_inbox_outbox_done_and_refuse(demo: Any, jc_flow: FlowRecord) -> None:
    county, station = api(demo, "jingchuan"), api(demo, "station01")
    raised = county.post(
        HANDOFFS, {"flow": jc_flow.pk, "kind": "visit", "message": "请上门走访"}, format="json"
    )
    assert raised.status_code == 201, raised.content
    visit = raised.json()
    assert visit["to_organization"] == "620800-LD01" and visit["state"] == "open"
    assert visit["from_organization"] == jc_flow.home_organization.code
    second = county.post(
        HANDOFFS,
        {"flow": jc_flow.pk, "kind": "conduct_feedback", "to_organization": "620800-LD01"},
        format="json",
    ).json()

    both = {visit["id"], second["id"]}
    inbox = _rows(station, HANDOFFS, box="inbox")
    assert both <= {row["id"] for row in inbox}
    assert {row["to_organization"] for row in inbox} == {"620800-LD01"}
    assert _list(station, HANDOFFS, box="outbox") & both == set()
    assert both <= _list(county, HANDOFFS, box="outbox", flow=jc_flow.pk)
    assert _list(county, HANDOFFS, box="inbox", flow=jc_flow.pk) == set()
    assert _list(api(demo, "lingtai"), HANDOFFS, flow=jc_flow.pk) == set()

    _error(county.post(f"{HANDOFFS}{visit['id']}/done/", {}), 403, "not_recipient")
    done = station.post(f"{HANDOFFS}{visit['id']}/done/", {"response": "已走访，情况良好"})
    assert done.status_code == 200 and done.json()["state"] == "done"
    assert done.json()["resolved_by"] == "station01"
    _error(
        station.post(f"{HANDOFFS}{visit['id']}/refuse/", {"reason": "x"}), 400, "handoff_not_open"
    )
    _error(
        station.post(f"{HANDOFFS}{second['id']}/refuse/", {"reason": ""}),
        400,
        "reason_required",
        "reason",
    )
    refused = station.post(f"{HANDOFFS}{second['id']}/refuse/", {"reason": "该党员未在本站报到"})
    assert refused.status_code == 200 and refused.json()["state"] == "refused"
    assert refused.json()["response"] == "该党员未在本站报到"
    assert _list(county, HANDOFFS, state="refused", flow=jc_flow.pk) == {second["id"]}
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"handoff.raise", "handoff.done", "handoff.refuse"} <= verbs


def test_handoff_needs_another_side(demo: Any, jc_member: Member) -> None:
    flow = make_flow(demo("user:jingchuan"), jc_member)
    response = api(demo, "jingchuan").post(
        HANDOFFS, {"flow": flow.pk, "kind": "visit"}, format="json"
    )
    _error(response, 400, "no_other_side", "to_organization")


# --- alerts ---------------------------------------------------------------------------------


def test_alerts_list_and_resolve(demo: Any, jc_flow: FlowRecord) -> None:
    alert = Alert.objects.create(
        flow=jc_flow,
        organization=jc_flow.home_organization,
        kind="overdue_contact",
        raised_on=timezone.localdate(),
    )
    county = api(demo, "jingchuan")
    assert alert.pk in _list(county, ALERTS, resolved="false", flow=jc_flow.pk)
    assert _list(api(demo, "lingtai"), ALERTS, flow=jc_flow.pk) == set()
    _error(
        api(demo, "lingtai").post(f"{ALERTS}{alert.pk}/resolve/", {"note": "x"}), 404, "not_found"
    )
    _error(county.post(f"{ALERTS}{alert.pk}/resolve/", {"note": " "}), 400, "note_required", "note")
    resolved = county.post(f"{ALERTS}{alert.pk}/resolve/", {"note": "已电话联系"})
    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["resolved"] is True and resolved.json()["resolved_by"] == "jingchuan"
    assert alert.pk in _list(county, ALERTS, resolved="true", flow=jc_flow.pk)
    _error(county.post(f"{ALERTS}{alert.pk}/resolve/", {"note": "again"}), 400, "alert_resolved")
    assert AuditEvent.objects.filter(verb="alert.resolve", object_id=str(alert.pk)).exists()


# --- who may use it -------------------------------------------------------------------------


@pytest.mark.parametrize("path", [MEMBERS, FLOWS, CONTACTS, HANDOFFS, ALERTS])
def test_anonymous_is_refused_with_the_error_shape(db: Any, path: str) -> None:
    response = APIClient(HTTP_ACCEPT_LANGUAGE="en").get(path)
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"
    assert set(response.json()) >= {"code", "message", "field"}


def test_a_member_sees_only_their_own_records(
    demo: Any, jc_member: Member, jc_flow: FlowRecord, lt_member: Member
) -> None:
    neighbour = new_member(demo("user:jingchuan"), _branch(demo, "620821001"), name="邻居")
    make_flow(demo("user:jingchuan"), neighbour)
    _link(jc_member, demo("user:member_jc"))
    actions.log_contact(by=demo("user:jingchuan"), flow=jc_flow, method="phone")
    client = api(demo, "member_jc")
    assert _list(client, MEMBERS) == {jc_member.pk}
    assert _list(client, FLOWS) == {jc_flow.pk}
    assert {row["flow"] for row in _rows(client, CONTACTS)} == {jc_flow.pk}
    assert _list(client, HANDOFFS) == _list(client, ALERTS) == set()
    assert client.get(f"{MEMBERS}{jc_member.pk}/").status_code == 200
    _error(client.get(f"{MEMBERS}{neighbour.pk}/"), 404, "not_found")
    _error(client.post(f"{FLOWS}{jc_flow.pk}/return/", {}), 403, "forbidden")
    _error(
        client.patch(f"{MEMBERS}{jc_member.pk}/", {"name": "改名"}, format="json"),
        403,
        "forbidden",
    )
    created = client.post(
        MEMBERS,
        {
            "name": "x",
            "ethnicity": "01",
            "id_number": fresh_id_number(),
            "home_organization_name": "y",
        },
        format="json",
    )
    _error(created, 403, "forbidden")


def test_schema_documents_the_ledger_endpoints(demo: Any) -> None:
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for path in [
        "/api/v1/members/",
        "/api/v1/members/{id}/reveal/",
        "/api/v1/flow-records/{id}/check-in/",
        "/api/v1/flow-records/{id}/return/",
        "/api/v1/handoffs/{id}/refuse/",
        "/api/v1/alerts/{id}/resolve/",
    ]:
        assert path in paths, path
    assert "put" not in paths["/api/v1/members/{id}/"]
