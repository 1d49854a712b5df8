"""What the API fuzzing found, pinned one by one (decision 170): each of these failed before
its fix, and the bounded fuzz run in CI might not draw the same input again."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from liudong.accounts.models import User


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def prop(schema: dict[str, Any], component: str, name: str) -> dict[str, Any]:
    return schema["components"]["schemas"][component]["properties"][name]


def test_a_department_user_without_an_organization_is_refused_not_a_500(login: Any) -> None:
    # The database's check (staff_user_has_organization) raised an IntegrityError.
    response = login("jingchuan").post(
        "/api/v1/users/",
        {"username": "dept_nowhere", "role": "department"},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "organization_required"
    assert not User.objects.filter(username="dept_nowhere").exists()


def test_a_refused_list_item_names_the_list(login: Any) -> None:
    response = login("member_jc").post(
        "/api/v1/notifications/read/", {"ids": ["x"]}, content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "ids" and body["code"] == "invalid"  # was the index: 0


def test_every_operation_documents_its_refusals(schema: dict[str, Any]) -> None:
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message", "field"}
    operations = 0
    for item in schema["paths"].values():
        for method, operation in item.items():
            if method not in ("get", "post", "patch", "put", "delete"):
                continue
            operations += 1
            for status in ("400", "401", "403", "404"):
                content = operation["responses"][status]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}
    assert operations >= 150


def test_read_only_fields_document_null_and_blank(schema: dict[str, Any]) -> None:
    # A slug or a name read through a foreign key left empty answers null.
    for component, name in [
        ("Member", "home_organization"),
        ("Member", "inflow_organization"),
        ("Organization", "parent"),
        ("Station", "branch_code"),
        ("Suggestion", "department_name"),
        ("CheckIn", "decided_by"),
        ("Transfer", "resolved_by"),
        ("ServiceRequest", "assigned_to"),
    ]:
        assert prop(schema, component, name).get("nullable") is True, (component, name)
    # Not the foreign keys that are never empty.
    assert not prop(schema, "FlowRecord", "member").get("nullable")
    # A blank e-mail address or link is "", not an address.
    for component, name in [("User", "email"), ("StaffActivity", "online_link")]:
        options = prop(schema, component, name)["oneOf"]
        assert {"type": "string", "maxLength": 0} in options, (component, name)
    keep_contact = prop(schema, "FlowRecord", "keep_contact")["oneOf"]
    assert {"$ref": "#/components/schemas/BlankEnum"} in keep_contact
    # A date left blank is null, never "".
    assert "oneOf" not in prop(schema, "FlowRecord", "closed_on")
    assert prop(schema, "Member", "open_flow")["nullable"] is True
    assert prop(schema, "Station", "pending")["nullable"] is True


def test_shapes_match_what_the_views_answer(schema: dict[str, Any]) -> None:
    def answer(path: str) -> dict[str, Any]:
        return schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]

    # Plain lists, not pages.
    for path in [
        "/api/v1/activities/{id}/attendance/",
        "/api/v1/appraisals/progress/",
        "/api/v1/dues-payments/arrears/",
    ]:
        assert answer(path)["schema"]["type"] == "array", path
    # Year and month only.
    assert prop(schema, "Member", "birth_month")["pattern"] == r"^\d{4}-\d{2}$"
    # The staff-only QR token: not promised to a member.
    assert "qr_token" not in schema["components"]["schemas"]["StaffActivity"]["required"]
    note = schema["paths"]["/api/v1/service-requests/{id}/note/"]["post"]["responses"]
    assert "201" in note and "200" not in note


def test_a_member_reads_activities_and_their_month_as_documented(login: Any) -> None:
    client = login("member_jc")
    activities = client.get("/api/v1/activities/").json()["results"]
    assert activities and all("qr_token" not in row for row in activities)
    me = client.get("/api/v1/members/").json()["results"]
    assert len(me) == 1 and len(me[0]["birth_month"]) == 7
