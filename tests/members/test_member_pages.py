"""A member's page (masked data, audited reveal, lifecycle steps, timeline) and the forms
(member, flow record, status change) with their errors under the fields."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from liudong.accounts.models import CAPABILITIES, Role
from liudong.core.models import AuditEvent
from liudong.members import actions
from liudong.members.idnumber import check_character
from liudong.members.models import FlowRecord, FlowStatus, Member

from .test_ledger_views import Ledger, build_ledger, first_branch, id_number

TODAY = timezone.localdate


@pytest.fixture
def data(demo: Any) -> Ledger:
    return build_ledger(demo)


def detail(pk: int) -> str:
    return f"/ledger/members/{pk}/"


def member_post(branch: Any, **changes: Any) -> dict[str, Any]:
    values = {
        "name": "吴十",
        "sex": "1",
        "ethnicity": "01",
        "id_number": id_number("620821", "1"),
        "phone": "13912345678",
        "education": "21",
        "joined_on": "2012-07-01",
        "membership": "full",
        "home_organization": branch.pk,
        "home_organization_name": "",
        "home_place": "",
    }
    values.update(changes)
    return values


def field_errors(response: Any, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


# --- the member's page ----------------------------------------------------------------------


def test_detail_shows_the_header_card_masked(login: Any, data: Ledger) -> None:
    member = data.zhangsan.member
    response = login("jingchuan").get(detail(member.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert member.name in html and member.id_number_masked in html and member.phone_masked in html
    assert member.id_number not in html and member.phone not in html
    assert member.home_organization.name in html
    assert data.station.name in html  # the station that took the member in
    assert "ld-tag ld-tag-green" in html  # managed
    # Staff with the reveal right get the audited "show in full" buttons.
    assert f"/ledger/members/{member.pk}/reveal/" in html and 'hx-post="' in html


def test_no_clear_numbers_for_a_viewer_without_the_reveal_right(
    login: Any, data: Ledger, monkeypatch: Any
) -> None:
    monkeypatch.setitem(CAPABILITIES, Role.STATION_STAFF, set())
    member = data.zhangsan.member
    client = login("station05")
    html = client.get(detail(member.pk)).content.decode()
    assert member.id_number_masked in html and member.phone_masked in html
    assert member.id_number not in html and member.phone not in html
    assert member.id_number[6:14] not in html  # not even the birth date digits
    assert "/reveal/" not in html
    edit = client.get(f"/ledger/members/{member.pk}/edit/").content.decode()
    assert member.id_number not in edit and member.phone not in edit
    refused = client.post(f"/ledger/members/{member.pk}/reveal/", {"field": "id_number"})
    assert refused.status_code == 403 and member.id_number not in refused.content.decode()
    assert AuditEvent.objects.filter(
        kind="denied", verb="reveal.id_number", object_id=str(member.pk)
    ).exists()


@pytest.mark.parametrize("field", ["id_number", "phone"])
def test_reveal_shows_the_number_and_is_audited(login: Any, data: Ledger, field: str) -> None:
    member = data.zhangsan.member
    response = login("jingchuan").post(f"/ledger/members/{member.pk}/reveal/", {"field": field})
    assert response.status_code == 200
    assert response.content.decode() == getattr(member, field)
    event = AuditEvent.objects.filter(kind="reveal", object_id=str(member.pk)).latest("at", "id")
    assert event.verb == f"reveal.{field}" and event.actor == data.county
    assert getattr(member, field) not in event.detail + str(event.changes)


def test_reveal_refuses_other_fields_and_get(login: Any, data: Ledger) -> None:
    client = login("jingchuan")
    url = f"/ledger/members/{data.zhangsan.member_id}/reveal/"
    assert client.post(url, {"field": "name_pinyin"}).status_code == 400
    assert client.get(url).status_code == 405


def test_other_countys_member_and_flow_are_404_on_every_page(login: Any, data: Ledger) -> None:
    client = login("jingchuan")
    member, flow = data.lt.member_id, data.lt.pk
    urls = [
        detail(member),
        f"/ledger/members/{member}/edit/",
        f"/ledger/members/{member}/reveal/",
        f"/ledger/members/{member}/flows/new/",
        f"/ledger/flows/{flow}/transition/",
    ]
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"field": "id_number", "target": "lost"})
            assert response.status_code in {404, 405}, (method, url, response.status_code)
            assert data.lt.member.id_number not in response.content.decode()
    assert login("lingtai").get(detail(member)).status_code == 200


def test_members_get_403_on_member_pages(login: Any, data: Ledger) -> None:
    client = login("member_jc")
    pk, flow = data.zhangsan.member_id, data.zhangsan.pk
    for url in [detail(pk), f"/ledger/members/{pk}/edit/", f"/ledger/members/{pk}/flows/new/"]:
        assert client.get(url).status_code in {403, 404}
    assert client.post(f"/ledger/members/{pk}/reveal/", {"field": "phone"}).status_code in {
        403,
        404,
    }
    assert client.post(f"/ledger/flows/{flow}/transition/", {"target": "lost"}).status_code in {
        403,
        404,
    }


def test_member_role_gets_403_even_on_their_own_record(login: Any, data: Ledger, demo: Any) -> None:
    user = demo("user:member_jc")
    own = Member.objects.filter(user=user).first()
    if own is None:
        own = data.zhangsan.member
        Member.objects.filter(pk=own.pk).update(user=user)
    assert login("member_jc").get(detail(own.pk)).status_code == 403


def test_steps_offered_are_those_the_status_allows(login: Any, data: Ledger) -> None:
    client = login("jingchuan")
    html = client.get(detail(data.zhaoliu.member_id)).content.decode()  # registered
    for step in ("check_in", "returned", "lost"):
        assert f'id="step-{step}"' in html, step
    for step in ("found", "suspended", "transferred"):  # a transfer: the queue (decision 98)
        assert f'id="step-{step}"' not in html, step
    assert reverse("members:transfer_create", args=[data.zhaoliu.member_id]) in html
    html = client.get(detail(data.wangwu.member_id)).content.decode()  # lost contact
    for step in ("found", "returned", "suspended"):
        assert f'id="step-{step}"' in html, step
    for step in ("check_in", "lost", "transferred"):
        assert f'id="step-{step}"' not in html, step


def test_contact_and_handoff_links_for_the_open_record(login: Any, data: Ledger) -> None:
    html = login("jingchuan").get(detail(data.zhangsan.member_id)).content.decode()
    assert f"/ledger/flows/{data.zhangsan.pk}/contacts/new/" in html
    assert f"/ledger/flows/{data.zhangsan.pk}/handoffs/new/" in html


def test_timeline_shows_stays_status_changes_and_contacts(login: Any, data: Ledger) -> None:
    response = login("jingchuan").get(detail(data.wangwu.member_id))
    kinds = [e["kind"] for e in response.context["timeline"]]
    assert "flow" in kinds and "status" in kinds
    html = response.content.decode()
    assert "电话停机" in html  # the reason given for "lost contact"
    zhangsan = login("jingchuan").get(detail(data.zhangsan.member_id)).context["timeline"]
    assert {"flow", "status", "contact"} <= {e["kind"] for e in zhangsan}
    dates = [e["date"] for e in zhangsan]
    assert dates == sorted(dates, reverse=True)


def test_history_is_kept_after_a_return(login: Any, data: Ledger) -> None:
    client = login("jingchuan")
    actions.mark_returned(by=data.county, flow=data.zhaoliu, reason="返乡")
    again = actions.register_flow(
        by=data.county,
        member=data.zhaoliu.member,
        direction="outflow",
        destination_place=data.zhangsan.destination_place,
        reason="work",
        left_on=TODAY() - datetime.timedelta(days=3),
    )
    response = client.get(detail(data.zhaoliu.member_id))
    assert [f.pk for f in response.context["flows"]] == [again.pk, data.zhaoliu.pk]
    assert response.context["open_flow"].pk == again.pk


# --- lifecycle steps -----------------------------------------------------------------------


def transition(client: Any, flow: FlowRecord, **values: Any) -> Any:
    return client.post(f"/ledger/flows/{flow.pk}/transition/", values)


def test_check_in_at_a_station(login: Any, data: Ledger) -> None:
    response = transition(
        login("jingchuan"),
        data.zhaoliu,
        target="managed",
        on=TODAY().isoformat(),
        reason="到站报到",
        inflow_organization=data.station.pk,
    )
    assert response.status_code == 302 and response["Location"] == detail(data.zhaoliu.member_id)
    flow = FlowRecord.objects.get(pk=data.zhaoliu.pk)
    assert flow.status == FlowStatus.MANAGED and flow.inflow_organization == data.station
    assert flow.member.inflow_organization_id == data.station.pk


def test_lost_then_found_again(login: Any, data: Ledger) -> None:
    client = login("jingchuan")
    flow = data.wangwu
    response = transition(client, flow, target="found", reason="联系上了")
    assert response.status_code == 302
    flow.refresh_from_db()
    assert flow.status == FlowStatus.REGISTERED  # never managed before
    labels = [str(e.get("label")) for e in client.get(detail(flow.member_id)).context["timeline"]]
    with translation.override("zh-hans"):  # pages are Chinese by default
        assert translation.gettext("Found again") in labels


def test_illegal_transition_is_refused_and_nothing_changes(login: Any, data: Ledger) -> None:
    client = login("jingchuan")
    client.cookies["liudong_language"] = "en"
    before = AuditEvent.objects.count()
    response = transition(client, data.zhaoliu, target="suspended", reason="x")
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert errors and "cannot become" in errors[0]
    assert "cannot become" in response.content.decode()
    data.zhaoliu.refresh_from_db()
    assert data.zhaoliu.status == FlowStatus.REGISTERED and data.zhaoliu.is_open
    assert AuditEvent.objects.count() == before
    # A closed record allows nothing.
    actions.mark_returned(by=data.county, flow=data.zhaoliu, reason="返乡")
    response = transition(client, data.zhaoliu, target="lost", reason="x")
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    data.zhaoliu.refresh_from_db()
    assert data.zhaoliu.status == FlowStatus.RETURNED


def test_step_errors_go_under_their_fields(login: Any, data: Ledger) -> None:
    client = login("jingchuan")
    # A transfer of membership is not a step of its own: its form is the queue's.
    response = transition(client, data.zhaoliu, target="transferred", reason="转出")
    assert response.status_code == 302
    assert response["Location"] == reverse("members:transfer_create", args=[data.zhaoliu.member_id])
    data.zhaoliu.refresh_from_db()
    assert data.zhaoliu.is_open
    tomorrow = (TODAY() + datetime.timedelta(days=1)).isoformat()
    response = transition(client, data.zhaoliu, target="returned", on=tomorrow)
    assert field_errors(response, "on")
    response = transition(client, data.zhaoliu, target="nonsense")
    assert response.context["form"].non_field_errors()
    data.zhaoliu.refresh_from_db()
    assert data.zhaoliu.status == FlowStatus.REGISTERED


# --- the member form -------------------------------------------------------------------------


def test_create_a_member(login: Any, data: Ledger, demo: Any) -> None:
    branch = first_branch(demo, "620821001")
    values = member_post(branch)
    response = login("jingchuan").post("/ledger/members/new/", values)
    assert response.status_code == 302
    member = Member.objects.get(
        id_number_masked=values["id_number"][:6] + "*" * 8 + values["id_number"][-4:], name="吴十"
    )
    assert response["Location"] == detail(member.pk)
    assert member.id_number == values["id_number"] and member.phone == "13912345678"
    assert member.home_place_id == "620821" and member.name_pinyin == "wushi ws"


def _bad_check(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


@pytest.mark.parametrize(
    ("language", "expect"),
    [("en", "does not match"), ("zh-hans", None)],
)
def test_wrong_check_character_is_shown_under_the_field_translated(
    login: Any, data: Ledger, demo: Any, language: str, expect: str | None
) -> None:
    client = login("jingchuan")
    client.cookies["liudong_language"] = language
    before = Member.objects.count()
    values = member_post(first_branch(demo, "620821001"), id_number=_bad_check(id_number()))
    response = client.post("/ledger/members/new/", values)
    assert response.status_code == 200
    errors = field_errors(response, "id_number")
    with translation.override(language):
        wanted = translation.gettext(
            "The last character of this ID number does not match: check for a typo."
        )
    assert errors == [wanted]
    if expect:
        assert expect in errors[0]
    assert Member.objects.count() == before


def test_impossible_birth_date_in_the_id_number(login: Any, data: Ledger, demo: Any) -> None:
    first17 = "620821" + "19850230" + "123"
    values = member_post(
        first_branch(demo, "620821001"), id_number=first17 + check_character(first17)
    )
    client = login("jingchuan")
    client.cookies["liudong_language"] = "en"
    before = Member.objects.count()
    response = client.post("/ledger/members/new/", values)
    errors = field_errors(response, "id_number")
    assert errors and "not a real date" in errors[0] and "19850230" in errors[0]
    assert Member.objects.count() == before


def test_required_fields_are_reported_in_chinese_by_default(
    login: Any, data: Ledger, demo: Any
) -> None:
    response = login("jingchuan").post("/ledger/members/new/", {})
    assert response.status_code == 200
    with translation.override("zh-hans"):
        required = translation.gettext("This field is required.")
    assert required != "This field is required."
    assert field_errors(response, "name") == [required]


def test_duplicate_in_scope_names_and_links_the_member(login: Any, data: Ledger, demo: Any) -> None:
    existing = data.zhangsan.member
    before = Member.objects.count()
    values = member_post(first_branch(demo, "620821001"), id_number=existing.id_number)
    response = login("jingchuan").post("/ledger/members/new/", values)
    errors = field_errors(response, "id_number")
    assert errors and existing.name in errors[0]
    assert f'href="{detail(existing.pk)}"' in response.content.decode()
    assert Member.objects.count() == before


def test_duplicate_out_of_scope_does_not_say_who(login: Any, data: Ledger, demo: Any) -> None:
    other = data.lt.member
    client = login("jingchuan")
    client.cookies["liudong_language"] = "en"
    values = member_post(first_branch(demo, "620821001"), id_number=other.id_number)
    response = client.post("/ledger/members/new/", values)
    errors = field_errors(response, "id_number")
    assert errors and "registered elsewhere in the city" in errors[0]  # decision 66
    html = response.content.decode()
    assert other.name not in html and detail(other.pk) not in html


def test_a_member_from_elsewhere_stays_visible_to_its_creator(
    login: Any, data: Ledger, demo: Any
) -> None:
    values = member_post(
        first_branch(demo, "620821001"),
        home_organization="",
        home_organization_name="西安市某单位党支部",
        home_place="西安市雁塔区",
        id_number=id_number("610113"),
    )
    client = login("jingchuan")
    response = client.post("/ledger/members/new/", values)
    assert response.status_code == 302
    member = Member.objects.get(home_organization_name="西安市某单位党支部")
    assert member.home_place_id == "610113" and member.home_organization is None
    assert client.get(response["Location"]).status_code == 200
    assert login("lingtai").get(response["Location"]).status_code == 404


def test_a_member_needs_a_home_branch_or_its_name(login: Any, data: Ledger, demo: Any) -> None:
    before = Member.objects.count()
    values = member_post(first_branch(demo, "620821001"), home_organization="")
    response = login("jingchuan").post("/ledger/members/new/", values)
    assert response.status_code == 200 and field_errors(response, "home_organization")
    assert Member.objects.count() == before


def test_home_branch_must_be_in_scope(login: Any, data: Ledger, demo: Any) -> None:
    values = member_post(first_branch(demo, "620822001"))
    response = login("jingchuan").post("/ledger/members/new/", values)
    assert response.status_code == 200 and field_errors(response, "home_organization")


def test_edit_keeps_the_numbers_unless_new_ones_are_typed(login: Any, data: Ledger) -> None:
    member = data.zhaoliu.member
    client = login("jingchuan")
    page = client.get(f"/ledger/members/{member.pk}/edit/")
    assert page.status_code == 200
    values = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    values.update({"name": "赵六六", "id_number": "", "phone": "13700001234"})
    response = client.post(f"/ledger/members/{member.pk}/edit/", values)
    assert response.status_code == 302, response.context["form"].errors
    member.refresh_from_db()
    assert member.name == "赵六六" and member.phone == "13700001234"
    assert member.id_number == data.zhaoliu.member.id_number
    assert member.name_pinyin.startswith("zhaoliuliu")


def test_edit_refusal_changes_nothing(login: Any, data: Ledger) -> None:
    member = data.zhaoliu.member
    client = login("jingchuan")
    values = {
        k: v
        for k, v in client.get(f"/ledger/members/{member.pk}/edit/").context["form"].initial.items()
        if v is not None
    }
    values.update({"name": "改名", "id_number": data.zhangsan.member.id_number})
    response = client.post(f"/ledger/members/{member.pk}/edit/", values)
    assert response.status_code == 200 and field_errors(response, "id_number")
    member.refresh_from_db()
    assert member.name == "赵六"


# --- the flow record form ---------------------------------------------------------------------


def flow_post(**changes: Any) -> dict[str, Any]:
    values = {
        "direction": "outflow",
        "destination_place": "610113",
        "destination_address": "",
        "employer": "某公司",
        "reason": "work",
        "left_on": (TODAY() - datetime.timedelta(days=2)).isoformat(),
        "expected_return_on": "",
        "inflow_organization": "",
        "origin_place": "",
    }
    values.update(changes)
    return values


def test_a_second_open_record_is_refused(login: Any, data: Ledger) -> None:
    client = login("jingchuan")
    client.cookies["liudong_language"] = "en"
    member = data.zhaoliu.member
    page = client.get(f"/ledger/members/{member.pk}/flows/new/")
    assert page.status_code == 200 and page.context["open_flow"].pk == data.zhaoliu.pk
    before = FlowRecord.objects.count()
    response = client.post(f"/ledger/members/{member.pk}/flows/new/", flow_post())
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert errors and "already has an open flow record" in errors[0]
    assert FlowRecord.objects.count() == before


def test_register_with_an_address_instead_of_a_code(login: Any, data: Ledger) -> None:
    actions.mark_returned(by=data.county, flow=data.zhaoliu, reason="返乡")
    member = data.zhaoliu.member
    address = "陕西省西安市雁塔区小寨东路1号"
    response = login("jingchuan").post(
        f"/ledger/members/{member.pk}/flows/new/", flow_post(destination_place=address)
    )
    assert response.status_code == 302, response.context["form"].errors
    flow = member.flows.get(is_open=True)
    assert flow.destination_place_id == "610113" and flow.destination_address == address
    assert flow.flow_scope == "out_of_province" and flow.origin_place_id == "620821"


@pytest.mark.parametrize("place", ["999999", "西安市", "12ab"])
def test_bad_destination_is_an_error_under_the_field(login: Any, data: Ledger, place: str) -> None:
    actions.mark_returned(by=data.county, flow=data.zhaoliu, reason="返乡")
    before = FlowRecord.objects.count()
    response = login("jingchuan").post(
        f"/ledger/members/{data.zhaoliu.member_id}/flows/new/", flow_post(destination_place=place)
    )
    assert response.status_code == 200
    assert field_errors(response, "destination_place"), response.context["form"].errors
    assert FlowRecord.objects.count() == before


def test_inflow_needs_a_receiving_organization(login: Any, data: Ledger) -> None:
    actions.mark_returned(by=data.county, flow=data.zhaoliu, reason="返乡")
    response = login("jingchuan").post(
        f"/ledger/members/{data.zhaoliu.member_id}/flows/new/",
        flow_post(direction="inflow", destination_place="620821", origin_place="610113"),
    )
    assert response.status_code == 200 and field_errors(response, "inflow_organization")


def test_pages_render_in_english_too(login: Any, data: Ledger) -> None:
    client = login("jingchuan")
    client.cookies["liudong_language"] = "en"
    for url in [
        detail(data.zhangsan.member_id),
        "/ledger/members/new/",
        f"/ledger/members/{data.zhangsan.member_id}/edit/",
        f"/ledger/members/{data.zhangsan.member_id}/flows/new/",
        f"/ledger/flows/{data.zhangsan.pk}/transition/?target=lost",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="en">' in response.content.decode()
