"""Who sees which suggestion: the home county its own, a department user only those routed
to their department, another county nothing, the city all; the member their own, and the
answer only once approved (pages and API)."""

from __future__ import annotations

from typing import Any

import pytest

from liudong.voice import actions, queries
from liudong.voice.models import Suggestion

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(suggest: Any, lingtai: Any, dept: Any, commerce: Any) -> Suggestion:
    made = actions.route_suggestion(by=lingtai, suggestion=suggest(), department=commerce)
    return actions.answer_suggestion(by=dept, suggestion=made, answer="已对接企业负责人")


def test_a_county_sees_only_suggestions_for_itself(demo: Any, lingtai: Any, jingchuan: Any) -> None:
    lt = queries.suggestions(lingtai)
    jc = queries.suggestions(jingchuan)
    assert lt.exists() and jc.exists()
    assert set(lt.values_list("county__code", flat=True)) == {"620822"}
    assert set(jc.values_list("county__code", flat=True)) == {"620821"}
    assert queries.suggestions(demo("user:city")).count() == Suggestion.objects.count()


def test_a_department_user_sees_only_what_is_routed_to_their_department(
    dept: Any, commerce: Any, farming: Any, suggest: Any, lingtai: Any
) -> None:
    made = suggest()
    assert not queries.suggestions(dept).filter(pk=made.pk).exists()
    actions.route_suggestion(by=lingtai, suggestion=made, department=farming)
    assert not queries.suggestions(dept).filter(pk=made.pk).exists()
    actions.route_suggestion(by=lingtai, suggestion=made, department=commerce)
    assert queries.suggestions(dept).filter(pk=made.pk).exists()
    assert set(queries.suggestions(dept).values_list("department", flat=True)) == {commerce.pk}


def test_department_pages_and_api(login: Any, answered: Suggestion, demo: Any) -> None:
    client = login("dept_lingtai")
    assert client.get("/").status_code == 302  # home: the suggestions routed to it
    page = client.get("/voice/suggestions/")
    assert page.status_code == 200 and answered.title in page.content.decode()
    detail = client.get(f"/voice/suggestions/{answered.pk}/")
    assert detail.status_code == 200
    assert answered.member.name not in detail.content.decode()  # the suggestion, not who
    rows = client.get("/api/v1/suggestions/").json()["results"]
    assert {row["department"] for row in rows} == {answered.department_id}
    assert all(row["member_name"] is None for row in rows)
    other = login("dept_jingchuan")
    assert other.get(f"/voice/suggestions/{answered.pk}/").status_code == 404
    assert other.get(f"/api/v1/suggestions/{answered.pk}/").status_code == 404
    # Not a member, not staff: the phone pages and the ledger stay closed.
    assert client.get("/m/voice/").status_code == 403
    assert client.get("/voice/notices/").status_code == 404


def test_another_county_gets_not_found(login: Any, answered: Suggestion) -> None:
    client = login("jingchuan")
    assert client.get(f"/voice/suggestions/{answered.pk}/").status_code == 404
    assert client.post(f"/voice/suggestions/{answered.pk}/approve/").status_code == 404
    assert client.get(f"/api/v1/suggestions/{answered.pk}/").status_code == 404
    assert client.post(f"/api/v1/suggestions/{answered.pk}/approve/").status_code == 404


def test_an_unapproved_answer_is_not_shown_to_the_member(
    answered: Suggestion, asker: Any, lingtai: Any
) -> None:
    from django.test import Client

    client = Client()
    client.force_login(asker[0])
    page = client.get(f"/m/voice/suggestions/{answered.pk}/")
    assert page.status_code == 200 and "已对接企业负责人" not in page.content.decode()
    api = client.get(f"/api/v1/suggestions/{answered.pk}/").json()
    assert api["answer"] is None and api["status"] == "answered"
    listed = client.get("/api/v1/suggestions/").json()["results"]
    assert all(row["answer"] is None for row in listed if row["id"] == answered.pk)
    actions.approve_answer(by=lingtai, suggestion=answered)
    page = client.get(f"/m/voice/suggestions/{answered.pk}/")
    assert "已对接企业负责人" in page.content.decode()
    assert client.get(f"/api/v1/suggestions/{answered.pk}/").json()["answer"] == "已对接企业负责人"


def test_a_member_sees_only_their_own(login: Any, answered: Suggestion, other: Any) -> None:
    from django.test import Client

    client = Client()
    client.force_login(other[0])
    assert client.get(f"/m/voice/suggestions/{answered.pk}/").status_code == 404
    assert client.get(f"/api/v1/suggestions/{answered.pk}/").status_code == 404
