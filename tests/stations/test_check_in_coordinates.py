"""Check-in coordinates: one rule (``stations.queries.degrees``) on both paths; anything
but a finite number in range is a 400, never a check-in."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from liudong.stations import queries
from liudong.stations.models import CheckIn
from tests.stations.helpers import member_with_account

NOT_COORDINATES = [
    {"lng": True, "lat": False},
    {"lng": "abc", "lat": "34.2"},
    {"lng": "NaN", "lat": "34.2"},
    {"lng": "Infinity", "lat": "34.2"},
    {"lng": 108.9, "lat": "-inf"},
    {"lng": 200, "lat": 34.2},
    {"lng": 108.9, "lat": 90.5},
    {"lng": [108.9], "lat": 34.2},
    {"lng": "1e400", "lat": 34.2},
]


def _post(client: Client, body: dict[str, Any]) -> Any:
    return client.post("/api/v1/check-ins/", json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("point", NOT_COORDINATES)
@pytest.mark.parametrize("path", ["hot_path_token", "general_path_session"])
def test_a_check_in_with_something_else_than_coordinates_is_refused(
    demo: Any, path: str, point: dict[str, Any]
) -> None:
    user, _member, flow = member_with_account(demo)
    if path == "hot_path_token":
        client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    else:
        client = Client()
        client.force_login(user)
    response = _post(client, {"station": "620800-ST05", **point})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] in {"invalid", "max_value", "min_value"}, body
    assert body["field"] in {"lng", "lat"}, body
    assert not CheckIn.objects.filter(flow=flow).exists()


@pytest.mark.parametrize("path", ["hot_path_token", "general_path_session"])
def test_both_paths_ask_the_one_coordinate_rule(demo: Any, path: str, monkeypatch: Any) -> None:
    asked: list[Any] = []
    rule = queries.degrees

    def spy(value: Any, limit: float) -> float:
        asked.append(value)
        return rule(value, limit)

    monkeypatch.setattr(queries, "degrees", spy)
    user, _member, flow = member_with_account(demo)
    if path == "hot_path_token":
        client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    else:
        client = Client()
        client.force_login(user)
    response = _post(client, {"station": "620800-ST05", "lng": 106.7, "lat": "35.5"})
    assert response.status_code == 201, response.content
    assert asked[:2] == [106.7, "35.5"]
    assert CheckIn.objects.get(flow=flow).distance_km is not None


def test_the_member_page_takes_no_point_from_something_else_than_numbers() -> None:
    assert queries.parse_point("106.7", "35.5") == (106.7, 35.5)
    for lng, lat in [("true", "35"), ("nan", "35"), ("106", "inf"), ("1e400", "35")]:
        assert queries.parse_point(lng, lat) is None
