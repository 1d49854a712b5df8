"""An ID number held outside the asker's scope: one answer for the API, the forms and the
census (decision 66) — "registered elsewhere in the city; the city resolves it", no name and
no county; each answer audited with who asked about which blind index; the case on the
city's conflict list."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from liudong.census.models import CensusConflict
from liudong.core.models import AuditEvent

from .test_actions import new_member

MEMBERS = "/api/v1/members/"
VERB = "member.registered_elsewhere"  # members.elsewhere.VERB
ANSWER = "registered elsewhere in the city; the city's organization department resolves it"


def _held_in_lingtai(demo: Any) -> Any:
    branch = demo("620822001").children.order_by("code").first()
    return new_member(demo("user:lingtai"), branch, name="赵秀英", sex="2")


def _body(demo: Any, number: str) -> dict[str, Any]:
    branch = demo("620821001").children.order_by("code").first()
    return {
        "name": "钱多多",
        "ethnicity": "01",
        "id_number": number,
        "membership": "full",
        "home_organization": branch.code,
    }


def _answers(index: str) -> Any:
    return AuditEvent.objects.filter(verb=VERB, detail__contains=index)


def test_the_api_says_only_registered_elsewhere_audits_and_lists_the_case(demo: Any) -> None:
    held = _held_in_lingtai(demo)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(demo("user:jingchuan"))
    for _attempt in range(2):
        answer = client.post(MEMBERS, _body(demo, held.id_number), format="json")
        assert answer.status_code == 400
        body = answer.json()
        assert body["code"] == "registered_elsewhere" and body["field"] == "id_number"
        assert ANSWER in body["message"]
        text = answer.content.decode()
        for leak in (held.name, "灵台", demo("620822").name, str(held.pk)):
            assert leak not in text
    answers = _answers(held.id_number_index)
    assert answers.count() == 2  # every answer, each with who asked
    assert {a.actor.username for a in answers} == {"jingchuan"}
    for event in answers:
        assert held.id_number not in event.detail + event.reason + str(event.changes)
    cases = CensusConflict.objects.filter(id_number_index=held.id_number_index, submission=None)
    assert cases.count() == 1  # asked twice, one case, updated in place
    case = cases.get()
    assert case.asked_for == demo("user:jingchuan").organization
    assert case.existing_member == held and case.name == "钱多多"
    assert case.id_number_masked == held.id_number_masked


def test_the_form_gives_the_same_answer(login: Any, demo: Any) -> None:
    held = _held_in_lingtai(demo)
    branch = demo("620821001").children.order_by("code").first()
    form = _body(demo, held.id_number) | {"sex": "2", "home_organization": branch.pk}
    client = login("jingchuan")
    client.cookies["liudong_language"] = "en"
    page = client.post("/ledger/members/new/", form)
    assert page.status_code == 200
    (error,) = page.context["form"].errors["id_number"]
    assert ANSWER in error
    text = page.content.decode()
    assert held.name not in text and demo("620822").name not in text
    assert _answers(held.id_number_index).filter(actor__username="jingchuan").exists()
    assert CensusConflict.objects.filter(
        id_number_index=held.id_number_index, submission=None
    ).exists()


def test_within_scope_the_member_is_named(demo: Any) -> None:
    held = _held_in_lingtai(demo)
    client = APIClient()
    client.force_authenticate(demo("user:lingtai"))
    branch = demo("620822001").children.order_by("code").first()
    body = _body(demo, held.id_number) | {"home_organization": branch.code}
    answer = client.post(MEMBERS, body, format="json")
    assert answer.status_code == 400 and answer.json()["code"] == "id_number_exists"
    assert not _answers(held.id_number_index).exists()


def test_the_city_sees_the_case_on_its_list_and_may_keep_it(login: Any, demo: Any) -> None:
    held = _held_in_lingtai(demo)
    client = APIClient()
    client.force_authenticate(demo("user:jingchuan"))
    client.post(MEMBERS, _body(demo, held.id_number), format="json")
    case = CensusConflict.objects.get(id_number_index=held.id_number_index, submission=None)
    listed = login("city").get("/census/conflicts/")
    assert listed.status_code == 200 and "钱多多" in listed.content.decode()
    decided = login("city").post(f"/census/conflicts/{case.pk}/", {"decision": "dismiss"})
    assert decided.status_code == 302
    case.refresh_from_db()
    assert case.state == "dismissed"
