"""The places API: list with filters, detail, resolve, locate; errors as {code, message, field}."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

FIELDS = {"code", "name", "short_name", "level", "parent", "lng", "lat", "full_name"}


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"code", "message", "field"}
    assert body["code"] == code and body["message"]
    return body


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/places/",
        "/api/v1/places/620881/",
        "/api/v1/places/resolve/?address=平凉市崆峒区",
        "/api/v1/places/locate/?lng=106.66&lat=35.54",
    ],
)
def test_anonymous_is_refused(places: None, url: str) -> None:
    response = Client().get(url)
    assert response.status_code in (401, 403)
    assert set(response.json()) >= {"code", "message", "field"}


def test_list_is_paginated(staff_client: Client) -> None:
    body = staff_client.get("/api/v1/places/").json()
    assert body["count"] >= 3400
    assert len(body["results"]) == 50
    assert set(body["results"][0]) == FIELDS


def test_members_read_places_too(member_client: Client) -> None:
    assert member_client.get("/api/v1/places/?parent=620800").json()["count"] == 7


@pytest.mark.parametrize(
    ("query", "check"),
    [
        ("level=1", lambda b: b["count"] == 34),
        ("parent=620800", lambda b: b["count"] == 7),
        ("parent=620800&level=3&page_size=10", lambda b: len(b["results"]) == 7),
        ("province=620000&level=2", lambda b: b["count"] == 14),
        ("q=华亭", lambda b: b["results"][0]["code"] == "620881"),
        ("q=pingliang&level=2", lambda b: b["results"][0]["code"] == "620800"),
        ("q=pls", lambda b: "620800" in [r["code"] for r in b["results"]]),
        ("parent=999999", lambda b: b["count"] == 0),
    ],
)
def test_list_filters(staff_client: Client, query: str, check: Any) -> None:
    response = staff_client.get(f"/api/v1/places/?{query}")
    assert response.status_code == 200
    assert check(response.json())


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ("level=9", "invalid_choice", "level"),
        ("parent=abc", "place_code_invalid", "parent"),
        ("province=62", "place_code_invalid", "province"),
        ("province=620800", "province_code_invalid", "province"),
        ("q=%E5%8D%8E%00", "bad_parameter", "q"),  # core.params, for every route
    ],
)
def test_list_bad_filters(staff_client: Client, query: str, code: str, field: str) -> None:
    body = _error(staff_client.get(f"/api/v1/places/?{query}"), 400, code)
    assert body["field"] == field


def test_detail(staff_client: Client) -> None:
    body = staff_client.get("/api/v1/places/620881/").json()
    assert set(body) == FIELDS
    assert body["name"] == "华亭市" and body["parent"] == "620800" and body["level"] == 3
    assert body["full_name"] == "甘肃省平凉市华亭市"
    assert body["lng"] is not None and body["lat"] is not None
    assert staff_client.get("/api/v1/places/620000/").json()["parent"] is None


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("62080", 400, "place_code_invalid"),
        ("abcdef", 400, "place_code_invalid"),
        ("999999", 404, "place_not_found"),
    ],
)
def test_detail_errors(staff_client: Client, code: str, status: int, error: str) -> None:
    _error(staff_client.get(f"/api/v1/places/{code}/"), status, error)


def test_resolve(staff_client: Client) -> None:
    response = staff_client.get("/api/v1/places/resolve/", {"address": "陕西省西安市莲湖区劳动路"})
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "610104"
    assert [a["code"] for a in body["ancestors"]] == ["610000", "610100"]


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("朝阳区", "place_ambiguous"),
        ("火星市", "place_unknown"),
        ("", "address_required"),
        (None, "address_required"),
        ("甘肃省西安市", "place_inconsistent"),
    ],
)
def test_resolve_errors(staff_client: Client, address: str | None, code: str) -> None:
    params = {} if address is None else {"address": address}
    body = _error(staff_client.get("/api/v1/places/resolve/", params), 400, code)
    assert body["field"] == "address"


def test_locate(staff_client: Client) -> None:
    body = staff_client.get("/api/v1/places/locate/", {"lng": "106.66", "lat": "35.54"}).json()
    assert body["code"] == "620802" and body["name"] == "崆峒区"
    assert [a["code"] for a in body["ancestors"]] == ["620000", "620800"]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"lng": "200", "lat": "95"}, 400, "coordinates_invalid"),
        ({"lng": "abc", "lat": "35"}, 400, "coordinates_invalid"),
        ({"lng": "nan", "lat": "35"}, 400, "coordinates_invalid"),
        ({}, 400, "coordinates_invalid"),
        ({"lng": "0", "lat": "0"}, 404, "outside_china"),
    ],
)
def test_locate_errors(staff_client: Client, params: dict, status: int, code: str) -> None:
    _error(staff_client.get("/api/v1/places/locate/", params), status, code)


def test_schema_documents_the_custom_actions(staff_client: Client) -> None:
    response = staff_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    resolve = paths["/api/v1/places/resolve/"]["get"]
    assert any(p["name"] == "address" for p in resolve["parameters"])
    locate = paths["/api/v1/places/locate/"]["get"]
    assert {p["name"] for p in locate["parameters"]} >= {"lng", "lat"}
    listing = paths["/api/v1/places/"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"level", "parent", "q", "province"}


def test_list_does_not_query_per_row(
    staff_client: Client, django_assert_max_num_queries: Any
) -> None:
    # full_name walks the ancestors: they must come from the select_related join.
    with django_assert_max_num_queries(8):
        body = staff_client.get("/api/v1/places/", {"level": 3, "page_size": 200}).json()
    assert len(body["results"]) == 200 and all(r["full_name"] for r in body["results"])
