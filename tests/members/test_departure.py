"""Before departure (issue 12 item 6): the pre-departure talk, the activity certificate and
the way of keeping contact, through the form, the API and the set-based writer; shown on
the ledger and the member's page; bad input refused with nothing written."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from liudong.core.errors import DomainError
from liudong.members import actions
from liudong.members.actions.bulk import FLOW_KEYS
from liudong.members.models import FlowRecord, KeepContact, Member
from liudong.regions.models import Place

from .helpers import make_flow, make_member

LEFT = datetime.date(2025, 3, 1)
GOOD = {
    "briefed_on": datetime.date(2025, 2, 20),
    "briefed_by": "李书记",
    "briefing_notes": "讲清外出期间参加组织生活和按时交纳党费的要求",
    "certificate_number": "PL-2025-0042",
    "keep_contact": KeepContact.WECHAT,
    "keep_contact_detail": "每月第一个周日视频联系",
}


@pytest.fixture
def county(demo: Any) -> Any:
    return demo("user:jingchuan")


@pytest.fixture
def branch(demo: Any) -> Any:
    return demo("620821001").children.order_by("code").first()


@pytest.fixture
def member(county: Any, branch: Any) -> Member:
    return make_member(county, branch, name="王外出")


def stored(flow: FlowRecord) -> dict[str, Any]:
    flow.refresh_from_db()
    return {key: getattr(flow, key) for key in GOOD}


def test_registering_an_outflow_records_the_talk_and_certificate(
    county: Any, member: Member
) -> None:
    flow = make_flow(county, member, left_on=LEFT, **GOOD)
    assert stored(flow) == GOOD


def test_all_are_optional_and_default_to_empty(county: Any, member: Member) -> None:
    flow = make_flow(county, member, left_on=LEFT)
    assert stored(flow) == {
        "briefed_on": None,
        "briefed_by": "",
        "briefing_notes": "",
        "certificate_number": "",
        "keep_contact": "",
        "keep_contact_detail": "",
    }


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        (
            {"briefed_on": LEFT + datetime.timedelta(days=1)},
            "briefed_after_departure",
            "briefed_on",
        ),
        ({"briefed_on": None}, "briefed_on_required", "briefed_on"),  # notes without a day
        ({"keep_contact": "pigeon"}, "keep_contact_invalid", "keep_contact"),
        (
            {"keep_contact": KeepContact.OTHER, "keep_contact_detail": ""},
            "keep_contact_detail_required",
            "keep_contact_detail",
        ),
        ({"briefing_notes": "他的电话 13800138000"}, "personal_number_in_text", "briefing_notes"),
        ({"certificate_number": "X" * 41}, "too_long", "certificate_number"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    county: Any, member: Member, change: dict[str, Any], code: str, field: str
) -> None:
    with pytest.raises(DomainError) as refused:
        make_flow(county, member, left_on=LEFT, **(GOOD | change))
    assert (refused.value.code, refused.value.field) == (code, field)
    assert not FlowRecord.objects.filter(member=member).exists()


def test_a_talk_in_the_future_is_refused(county: Any, member: Member) -> None:
    future = datetime.date.today() + datetime.timedelta(days=30)
    with pytest.raises(DomainError) as refused:
        make_flow(county, member, left_on=LEFT, briefed_on=future)
    assert refused.value.code in ("date_in_future", "briefed_after_departure")


def test_an_unknown_keyword_is_a_programming_error(county: Any, member: Member) -> None:
    with pytest.raises(TypeError):
        make_flow(county, member, left_on=LEFT, briefed_at=LEFT)


def test_the_form_records_them_and_the_pages_show_them(
    login: Any, member: Member, branch: Any
) -> None:
    client = login("jingchuan")
    response = client.post(
        f"/ledger/members/{member.pk}/flows/new/",
        {
            "direction": "outflow",
            "destination_place": "610113",
            "reason": "work",
            "left_on": LEFT.isoformat(),
            "briefed_on": "2025-02-20",
            "briefed_by": "李书记",
            "briefing_notes": "讲清要求",
            "certificate_number": "PL-2025-0042",
            "keep_contact": "wechat",
            "keep_contact_detail": "每月视频联系",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    flow = FlowRecord.objects.get(member=member, is_open=True)
    assert (flow.certificate_number, flow.keep_contact) == ("PL-2025-0042", "wechat")
    page = client.get(f"/ledger/members/{member.pk}/").content.decode()
    assert 'data-panel="before_departure"' in page
    assert "PL-2025-0042" in page and "李书记" in page and "2025-02-20" in page
    ledger = client.get("/ledger/out-of-province/?q=王外出").content.decode()
    assert f'data-before-departure="{flow.pk}"' in ledger
    assert "PL-2025-0042" in ledger


def test_the_form_shows_a_refusal_under_its_field(login: Any, member: Member) -> None:
    response = login("jingchuan").post(
        f"/ledger/members/{member.pk}/flows/new/",
        {
            "direction": "outflow",
            "destination_place": "610113",
            "reason": "work",
            "left_on": LEFT.isoformat(),
            "briefed_on": "2025-03-05",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "2025-03-01" in page and 'id="id_briefed_on"' in page
    assert "invalid-feedback" in page or "is-invalid" in page, page[page.find("<form") :][:3000]
    assert not FlowRecord.objects.filter(member=member).exists()


def _api(demo: Any) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(demo("user:jingchuan"))
    return client


def test_the_api_takes_and_returns_them(demo: Any, member: Member) -> None:
    body = {
        "member": member.pk,
        "direction": "outflow",
        "destination_place": "610113",
        "reason": "work",
        "left_on": LEFT.isoformat(),
        **{k: (v.isoformat() if isinstance(v, datetime.date) else str(v)) for k, v in GOOD.items()},
    }
    response = _api(demo).post("/api/v1/flow-records/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["certificate_number"] == "PL-2025-0042"
    assert data["briefed_on"] == "2025-02-20" and data["keep_contact"] == "wechat"


def test_the_api_refuses_bad_input_clearly(demo: Any, member: Member) -> None:
    body = {
        "member": member.pk,
        "direction": "outflow",
        "destination_place": "610113",
        "reason": "work",
        "left_on": LEFT.isoformat(),
        "briefed_on": "2025-04-01",
    }
    response = _api(demo).post("/api/v1/flow-records/", body, format="json")
    assert response.status_code == 400
    assert "before the member leaves" in str(response.json())
    assert not FlowRecord.objects.filter(member=member).exists()


def test_the_set_based_writer_stores_the_same(county: Any, branch: Any) -> None:
    single = make_member(county, branch, name="甲")
    bulk = make_member(county, branch, name="乙")
    one = make_flow(county, single, left_on=LEFT, **GOOD)
    facts = actions.check_flow_values(
        birth_date=bulk.birth_date,
        home_organization=branch,
        home_place=branch.place,
        direction="outflow",
        destination_place=Place.objects.get(code="610113"),
        reason="work",
        left_on=LEFT,
        employer="西安某建筑公司",
        before_departure=GOOD,
    )
    keys = FLOW_KEYS
    stay = {k: (v.pk if hasattr(v, "pk") else v) for k, v in facts.items() if k in keys}
    written = actions.write_rows(
        [actions.LedgerRow(member={}, flow=stay, member_id=bulk.pk)], by=county
    )
    assert written.flows_registered == 1
    many = FlowRecord.objects.get(member=bulk, is_open=True)
    assert stored(many) == stored(one) == GOOD
    # A row without them leaves them empty, as the columns' defaults.
    third = make_member(county, branch, name="丙")
    plain = {k: v for k, v in stay.items() if k not in GOOD}
    actions.write_rows([actions.LedgerRow(member={}, flow=plain, member_id=third.pk)], by=county)
    empty = FlowRecord.objects.get(member=third, is_open=True)
    assert (empty.briefed_on, empty.certificate_number, empty.keep_contact) == (None, "", "")
