"""User administration through pages and API: roles, scope, bad input."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from liudong.accounts.models import User


def api(demo: Any, username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(demo(f"user:{username}"))
    return client


def test_county_admin_creates_staff_in_own_county(demo: Any) -> None:
    response = api(demo, "jingchuan").post(
        "/api/v1/users/",
        {
            "username": "jc_new",
            "role": "branch_secretary",
            "organization": "620821001001",
            "password": "Long-enough-pass-1",
            "phone": "13912340000",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "139****0000"
    stored = User.objects.get(username="jc_new")
    assert stored.phone == "13912340000"


def test_phone_is_encrypted_at_rest(demo: Any) -> None:
    from django.db import connection

    user = demo("user:member_jc")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [user.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("enc1:") and "13809331001" not in raw


def test_county_admin_cannot_create_in_other_county(demo: Any) -> None:
    response = api(demo, "jingchuan").post(
        "/api/v1/users/",
        {"username": "x1", "role": "branch_secretary", "organization": "620822001"},
        format="json",
    )
    assert response.status_code == 404
    assert response.json() == {
        "code": "org_not_found",
        "message": response.json()["message"],
        "field": "org",
    }


def test_county_admin_cannot_grant_city_admin(demo: Any) -> None:
    response = api(demo, "jingchuan").post(
        "/api/v1/users/",
        {"username": "x2", "role": "city_admin", "organization": "620821"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "role_not_grantable"


def test_staff_role_without_organization_is_a_clear_400(demo: Any) -> None:
    response = api(demo, "city").post(
        "/api/v1/users/", {"username": "x3", "role": "county_admin"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "organization_required"
    assert response.json()["field"] == "organization"


def test_bad_phone_is_a_clear_400(demo: Any) -> None:
    response = api(demo, "city").post(
        "/api/v1/users/", {"username": "x4", "role": "member", "phone": "12345"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "phone"


def test_english_error_messages_follow_the_request_language(demo: Any) -> None:
    client = api(demo, "city")
    zh = client.post(
        "/api/v1/users/",
        {"username": "x5", "role": "county_admin"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    en = client.post(
        "/api/v1/users/",
        {"username": "x5", "role": "county_admin"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert en.json()["message"] == "A staff account must belong to an organization."
    assert zh.json()["message"] != en.json()["message"]


def test_member_sees_only_self(demo: Any) -> None:
    response = api(demo, "member_jc").get("/api/v1/users/me/")
    assert response.status_code == 200 and response.json()["username"] == "member_jc"
    assert api(demo, "member_jc").get("/api/v1/users/").status_code == 403


def test_user_pages_for_county_admin(login: Any, demo: Any) -> None:
    client = login("jingchuan")
    page = client.get("/accounts/users/")
    assert page.status_code == 200
    names = {u.username for u in page.context["object_list"]}
    assert "jingchuan" in names and "lingtai" not in names
    other = demo("user:lingtai")
    assert client.get(f"/accounts/users/{other.pk}/edit/").status_code == 404


def test_user_form_bad_input_shows_errors(login: Any) -> None:
    response = login("jingchuan").post(
        "/accounts/users/new/",
        {"username": "jingchuan", "role": "branch_secretary", "phone": "abc"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "phone" in errors
