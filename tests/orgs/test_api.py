"""Organization API: scoped lists, ?org= subtree filter, writes through actions, errors."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient


def api(demo: Any, username: str, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(demo(f"user:{username}"))
    return client


def test_list_is_scoped_and_paginated(demo: Any) -> None:
    body = api(demo, "jingchuan").get("/api/v1/organizations/?page_size=500").json()
    codes = {row["code"] for row in body["results"]}
    assert "620821" in codes and "620822" not in codes and "620800" not in codes
    assert body["count"] == len(codes)


def test_org_filter_includes_descendants(demo: Any) -> None:
    body = api(demo, "city").get("/api/v1/organizations/?org=620821001&page_size=500").json()
    codes = {row["code"] for row in body["results"]}
    assert "620821001" in codes
    assert all(code.startswith("620821001") for code in codes)
    assert len(codes) > 3


def test_create_and_move_through_the_api(demo: Any) -> None:
    client = api(demo, "jingchuan")
    created = client.post(
        "/api/v1/organizations/",
        {
            "parent": "620821001",
            "code": "620821001950",
            "name": "新建村党支部",
            "kind": "branch",
            "place": "620821",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["parent"] == "620821001"
    moved = client.post(
        f"/api/v1/organizations/{created.json()['id']}/move/",
        {"new_parent": "620821002", "reason": "调整"},
        format="json",
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["parent"] == "620821002"


def test_cycle_is_a_clear_400(demo: Any) -> None:
    county = demo("620821")
    response = api(demo, "city").post(
        f"/api/v1/organizations/{county.pk}/move/",
        {"new_parent": "620821001", "reason": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "cycle" and response.json()["field"] == "parent"


def test_malformed_and_unknown_input_are_400_not_500(demo: Any) -> None:
    client = api(demo, "city")
    bad_place = client.post(
        "/api/v1/organizations/",
        {"parent": "620800", "code": "T-1", "name": "x", "kind": "branch", "place": "9999"},
        format="json",
    )
    assert bad_place.status_code == 400 and bad_place.json()["field"] == "place"
    bad_kind = client.post(
        "/api/v1/organizations/",
        {"parent": "620800", "code": "T-2", "name": "x", "kind": "nonsense"},
        format="json",
    )
    assert bad_kind.status_code == 400 and bad_kind.json()["field"] == "kind"
    assert client.get("/api/v1/organizations/not-a-number/").status_code == 404
    assert client.get("/api/v1/organizations/?org=nope").status_code == 404


def test_forged_ids_outside_scope_are_404_on_writes(demo: Any) -> None:
    lingtai = demo("620822001")
    client = api(demo, "jingchuan")
    assert (
        client.patch(
            f"/api/v1/organizations/{lingtai.pk}/", {"name": "x"}, format="json"
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/organizations/{lingtai.pk}/move/",
            {"new_parent": "620821001", "reason": "x"},
            format="json",
        ).status_code
        == 404
    )
    mine = demo("620821001")
    response = client.post(
        f"/api/v1/organizations/{mine.pk}/move/",
        {"new_parent": "620822", "reason": "x"},
        format="json",
    )
    assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.parent == demo("620821")


def test_anonymous_gets_401_or_403_in_the_error_shape(db: Any) -> None:
    response = APIClient().get("/api/v1/organizations/")
    assert response.status_code in (401, 403)
    assert set(response.json()) == {"code", "message", "field"}


def test_schema_and_docs_are_served_locally(demo: Any, client: Any) -> None:
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/organizations/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower() and b"https://" not in docs.content
