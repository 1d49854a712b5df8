"""A name that a spreadsheet would take for a formula (= + - @ first) is refused by one rule
(``members.actions.check_name``): the census, the member form and the API refuse the same
names with the same message, in the user's language."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from liudong.members.models import Member
from tests.members.test_ledger_views import first_branch
from tests.members.test_ledger_views import id_number as ledger_id_number

from .conftest import row, workbook_bytes

# Text cells (a formula cell "=..." is the census's own "formula" problem).
FORMULA_NAMES = ("+1+2", "@SUM(1,2)", "-2+3", "＋1+2", " -1")
GOOD_NAMES = ("张-三", "Ali-Mahmut", "马丽")


def _message(language: str) -> str:
    from liudong.core.errors import DomainError
    from liudong.members.actions import check_name

    with translation.override(language), pytest.raises(DomainError) as caught:
        check_name("+1+2")
    return caught.value.message


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_census_refuses_formula_like_names(run_file: Any, branch: Any, language: str) -> None:
    rows = [row(organization=branch.name, name=name) for name in (*FORMULA_NAMES, *GOOD_NAMES)]
    rows.append(row(organization=branch.name, name="=1+2"))  # a formula cell
    with translation.override(language):
        submission = run_file(workbook_bytes(rows))
    problems = {p.row_number: p for p in submission.problems.all()}
    for number in range(2, 2 + len(FORMULA_NAMES)):
        problem = problems[number]
        assert (problem.code, problem.column) == ("name_formula", "姓名"), problem.message
        assert problem.message == _message(language)
    for number in range(2 + len(FORMULA_NAMES), 2 + len(FORMULA_NAMES) + len(GOOD_NAMES)):
        assert number not in problems, problems[number].message
    assert problems[len(rows) + 1].code == "formula"
    assert submission.rows_rejected == len(FORMULA_NAMES) + 1
    if language == "zh-hans":
        assert "公式" in _message(language)


def _form_values(demo: Any, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "sex": "1",
        "ethnicity": "01",
        "id_number": ledger_id_number("620821", "1"),
        "phone": "",
        "education": "21",
        "joined_on": "2012-07-01",
        "membership": "full",
        "home_organization": first_branch(demo, "620821001").pk,
        "home_organization_name": "",
        "home_place": "",
    }


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_member_form_refuses_formula_like_names(login: Any, demo: Any, language: str) -> None:
    client: Client = login("jingchuan")
    client.cookies["liudong_language"] = language
    before = Member.objects.count()
    for name in (*FORMULA_NAMES, "=1+2", "\t@x"):
        response = client.post("/ledger/members/new/", _form_values(demo, name))
        assert response.status_code == 200, name
        assert list(response.context["form"].errors.get("name", [])) == [_message(language)]
    assert Member.objects.count() == before
    response = client.post("/ledger/members/new/", _form_values(demo, "张-三"))
    assert response.status_code == 302


def test_the_api_refuses_formula_like_names(demo: Any) -> None:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_authenticate(demo("user:jingchuan"))
    member = Member.objects.filter(home_organization__code__startswith="620821").first()
    for name in (*FORMULA_NAMES, "=1+2"):
        payload = {
            "name": name,
            "ethnicity": "01",
            "id_number": ledger_id_number("620821", "1"),
            "home_organization": first_branch(demo, "620821001").code,
        }
        response = client.post("/api/v1/members/", payload, format="json")
        assert response.status_code == 400, (name, response.content)
        body = response.json()
        assert (body["code"], body["field"]) == ("name_formula", "name"), body
        assert body["message"] == _message("zh-hans")
        changed = client.patch(f"/api/v1/members/{member.pk}/", {"name": name}, format="json")
        assert changed.status_code == 400 and changed.json()["code"] == "name_formula"
    member.refresh_from_db()
    assert not member.name.startswith(("=", "+", "-", "@"))
