"""The code table API: everyone signed in reads; only the city administrator writes."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from liudong.codes import queries
from liudong.codes.models import Code
from liudong.core.models import AuditEvent

pytestmark = pytest.mark.django_db

TABLES = "/api/v1/code-tables/"
CODES = "/api/v1/codes/"


def code(table: str, value: str) -> Code:
    return Code.objects.get(table__key=table, code=value)


def test_code_tables_list_with_counts(member_api: APIClient) -> None:
    response = member_api.get(TABLES)
    assert response.status_code == 200
    rows = {row["key"]: row for row in response.json()["results"]}
    assert rows["ethnicity"]["code_count"] == 58
    assert rows["sex"]["extensible"] is False
    assert rows["sex"]["standard"] == "GB/T 2261.1-2003"


def test_code_table_detail_nests_its_codes_in_order(county_api: APIClient) -> None:
    response = county_api.get(f"{TABLES}sex/")
    assert response.status_code == 200
    body = response.json()
    assert [c["code"] for c in body["codes"]] == ["0", "1", "2", "9"]
    assert body["codes"][1]["name"] == "男" and body["codes"][1]["builtin"] is True
    assert county_api.get(f"{TABLES}flow_reason/").json()["codes"][0]["code"] == "work"
    assert county_api.get(f"{TABLES}nope/").status_code == 404


def test_codes_filter_by_table_and_status(county_api: APIClient, city_admin: Any) -> None:
    from liudong.codes import actions

    actions.deactivate_code(by=city_admin, code_obj=code("sex", "9"))
    body = county_api.get(CODES, {"table": "sex", "active": "true"}).json()
    assert body["count"] == 3
    assert [row["code"] for row in body["results"]] == ["0", "1", "2"]
    assert county_api.get(CODES, {"table": "sex", "active": "false"}).json()["count"] == 1
    page = county_api.get(CODES, {"table": "ethnicity", "page_size": 10}).json()
    assert page["count"] == 58 and len(page["results"]) == 10 and page["next"]


def test_anonymous_requests_are_refused() -> None:
    assert APIClient().get(CODES).status_code in {401, 403}


def test_city_admin_creates_a_code(city_api: APIClient) -> None:
    response = city_api.post(
        CODES,
        {"table": "flow_reason", "code": "medical", "name": "就医", "name_en": "Medical care"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["code"] == "medical" and body["builtin"] is False and body["table"] == "flow_reason"
    assert "medical" in dict(queries.choices("flow_reason"))
    assert AuditEvent.objects.filter(verb="code.create", object_id=str(body["id"])).exists()


def test_county_admin_gets_403_with_the_error_body(county_api: APIClient) -> None:
    response = county_api.post(
        CODES, {"table": "flow_reason", "code": "medical", "name": "就医"}, format="json"
    )
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "forbidden" and body["message"] and "field" in body
    work = code("flow_reason", "work")
    response = county_api.patch(f"{CODES}{work.pk}/", {"name": "打工"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert not Code.objects.filter(code="medical").exists()


@pytest.mark.parametrize(
    ("payload", "error_code", "field"),
    [
        ({"table": "flow_reason", "code": "a b", "name": "某"}, "code_invalid", "code"),
        ({"table": "flow_reason", "code": "x" * 21, "name": "某"}, "code_invalid", "code"),
        ({"table": "flow_reason", "code": "work", "name": "打工"}, "code_taken", "code"),
        ({"table": "sex", "code": "3", "name": "其他"}, "table_not_extensible", "table"),
        ({"table": "nope", "code": "x", "name": "某"}, "does_not_exist", "table"),
        ({"table": "flow_reason", "code": "x"}, "required", "name"),
    ],
)
def test_bad_codes_get_400_with_the_error_body(
    city_api: APIClient, payload: dict[str, str], error_code: str, field: str
) -> None:
    response = city_api.post(CODES, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == (error_code, field)
    assert body["message"]


def test_city_admin_patches_a_builtin_codes_name_but_not_its_value(city_api: APIClient) -> None:
    han = code("ethnicity", "01")
    response = city_api.patch(f"{CODES}{han.pk}/", {"name_en": "Han Chinese"}, format="json")
    assert response.status_code == 200 and response.json()["name_en"] == "Han Chinese"
    response = city_api.patch(f"{CODES}{han.pk}/", {"code": "001"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "builtin_code_fixed"
    response = city_api.patch(f"{CODES}{han.pk}/", {"table": "sex"}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "table"
    assert AuditEvent.objects.filter(verb="code.update", object_id=str(han.pk)).count() == 1


def test_city_admin_takes_a_code_out_of_use_by_patch(city_api: APIClient) -> None:
    other = code("flow_reason", "other")
    response = city_api.patch(f"{CODES}{other.pk}/", {"active": False}, format="json")
    assert response.status_code == 200 and response.json()["active"] is False
    assert "other" not in dict(queries.choices("flow_reason"))


def test_codes_cannot_be_deleted_or_replaced(city_api: APIClient) -> None:
    other = code("flow_reason", "other")
    assert city_api.delete(f"{CODES}{other.pk}/").status_code == 405
    assert city_api.put(f"{CODES}{other.pk}/", {}, format="json").status_code == 405
    assert Code.objects.filter(pk=other.pk).exists()


def test_city_admin_creates_a_table(city_api: APIClient, county_api: APIClient) -> None:
    payload = {"key": "job_kind", "name": "职业类别", "name_en": "Kind of job"}
    assert county_api.post(TABLES, payload, format="json").status_code == 403
    response = city_api.post(TABLES, payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["code_count"] == 0
    again = city_api.post(TABLES, payload, format="json")
    assert again.status_code == 400 and again.json()["code"] == "table_taken"
