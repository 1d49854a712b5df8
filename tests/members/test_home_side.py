"""Co-management (双向共管): the county running the 雁塔 station in Xi'an (泾川) sees another
county's member checked in there, records contacts and answers hand-offs, but the member's
master data and the lifecycle of their stay are the home side's (灵台): through the page,
the API and the actions alike, because all of them ask the gate (``liudong.core.scope.may``).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from liudong.core.errors import PermissionDenied
from liudong.core.scope import CHANGE, may, restrict
from liudong.members import actions
from liudong.members.models import FlowRecord, HandoffState, Member
from liudong.orgs.models import Organization
from tests.members.helpers import make_flow, make_member

YANTA_BRANCH = "平凉市驻西安雁塔区流动党员联络站党支部"  # run by 泾川 (demo tree)


@pytest.fixture
def visitor(demo: Any) -> FlowRecord:
    """A 灵台 member whose open record is managed at 泾川's 雁塔 station."""
    lingtai = demo("user:lingtai")
    branch = demo("620822001").children.order_by("code").first()
    member = make_member(lingtai, branch, name="李秀英", sex="2", phone="13912340001")
    yanta = Organization.objects.get(name=YANTA_BRANCH)
    flow = make_flow(lingtai, member, inflow_organization=yanta)
    return actions.check_in(by=lingtai, flow=flow)


def _api(user: Any) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_the_station_side_sees_the_member_but_may_not_change_them(
    demo: Any, visitor: FlowRecord
) -> None:
    jingchuan, lingtai = demo("user:jingchuan"), demo("user:lingtai")
    member = visitor.member
    assert may(jingchuan, member, "view") and may(jingchuan, visitor, "view")
    assert not may(jingchuan, member, CHANGE)
    assert not may(jingchuan, visitor, CHANGE)
    assert may(jingchuan, visitor, "contact") and may(jingchuan, visitor, "handoff")
    assert may(lingtai, member, CHANGE) and may(lingtai, visitor, CHANGE)
    # The query form says the same as the object form.
    assert not restrict(jingchuan, Member.objects.filter(pk=member.pk), CHANGE).exists()
    assert restrict(lingtai, Member.objects.filter(pk=member.pk), CHANGE).exists()


def test_the_page_offers_no_edit_form_and_no_lifecycle_to_the_station_side(
    demo: Any, visitor: FlowRecord, login: Any
) -> None:
    member = visitor.member
    station = login("jingchuan")
    page = station.get(reverse("members:member_detail", args=[member.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("members:member_edit", args=[member.pk]) not in html
    for step in ("returned", "transferred", "lost", "suspended"):
        assert f'id="step-{step}"' not in html, step
    assert reverse("members:contact_create", args=[visitor.pk]) in html
    assert reverse("members:handoff_create", args=[visitor.pk]) in html

    edit = reverse("members:member_edit", args=[member.pk])
    assert station.get(edit).status_code == 403
    assert station.post(edit, {"name": "改名"}).status_code == 403
    transition = reverse("members:flow_transition", args=[visitor.pk])
    assert station.post(transition, {"target": "returned"}).status_code == 403
    assert station.get(reverse("members:flow_create", args=[member.pk])).status_code == 403
    member.refresh_from_db()
    visitor.refresh_from_db()
    assert member.name == "李秀英" and visitor.is_open

    home = login("lingtai")
    html = home.get(reverse("members:member_detail", args=[member.pk])).content.decode()
    assert reverse("members:member_edit", args=[member.pk]) in html
    assert 'id="step-returned"' in html
    assert home.get(edit).status_code == 200


def test_the_api_refuses_the_station_side_with_the_usual_error_shape(
    demo: Any, visitor: FlowRecord
) -> None:
    member = visitor.member
    station = _api(demo("user:jingchuan"))
    assert station.get(f"/api/v1/members/{member.pk}/").status_code == 200
    response = station.patch(f"/api/v1/members/{member.pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 403, response.content
    body = response.json()
    assert body["code"] == "not_keeping_side" and body["message"] and "field" in body
    response = station.post(f"/api/v1/flow-records/{visitor.pk}/return/", {}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "not_keeping_side"
    contact = station.post(
        "/api/v1/contacts/", {"flow": visitor.pk, "method": "phone"}, format="json"
    )
    assert contact.status_code == 201, contact.content
    member.refresh_from_db()
    assert member.name == "李秀英"

    home = _api(demo("user:lingtai"))
    response = home.patch(f"/api/v1/members/{member.pk}/", {"name": "李秀兰"}, format="json")
    assert response.status_code == 200, response.content


def test_the_actions_refuse_master_data_and_lifecycle_but_keep_the_acts(
    demo: Any, visitor: FlowRecord
) -> None:
    jingchuan, lingtai = demo("user:jingchuan"), demo("user:lingtai")
    member = visitor.member
    with pytest.raises(PermissionDenied) as refused:
        actions.update_member(by=jingchuan, member=member, phone="13912340002")
    assert refused.value.code == "not_keeping_side"
    for lifecycle in (actions.mark_returned, actions.mark_lost, actions.mark_transferred):
        with pytest.raises(PermissionDenied):
            lifecycle(by=jingchuan, flow=visitor, reason="离开西安")
    with pytest.raises(PermissionDenied):
        actions.suspend_membership(by=jingchuan, flow=visitor, reason="无法联系")
    visitor.refresh_from_db()
    assert visitor.is_open and visitor.status == "managed"

    # What the station side does: contacts, hand-offs both ways, answers.
    actions.log_contact(by=jingchuan, flow=visitor, method="phone", on=datetime.date.today())
    asked = actions.raise_handoff(by=lingtai, flow=visitor, kind="visit", message="请走访")
    answered = actions.complete_handoff(by=jingchuan, handoff=asked, response="已走访")
    assert answered.state == HandoffState.DONE
    actions.raise_handoff(by=jingchuan, flow=visitor, kind="conduct_feedback")
    # And the home side keeps both.
    actions.update_member(by=lingtai, member=member, phone="13912340003")
    actions.mark_returned(by=lingtai, flow=visitor)
