"""Fixtures for the code table tests: a city and a county administrator of their own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from liudong.codes import queries
from liudong.core.scope import SYSTEM


@pytest.fixture(autouse=True)
def _fresh_code_cache() -> Iterator[None]:
    # Each test runs in a rolled-back transaction; start and end with an empty memory.
    queries.clear_cache()
    yield
    queries.clear_cache()


@pytest.fixture
def codes_city(db: Any) -> Any:
    from liudong.orgs.actions import create_organization

    return create_organization(
        by=SYSTEM, parent=None, code="CT-CITY", name="中共平凉市委组织部", kind="org_department"
    )


@pytest.fixture
def codes_county(codes_city: Any) -> Any:
    from liudong.orgs.actions import create_organization

    return create_organization(
        by=SYSTEM,
        parent=codes_city,
        code="CT-COUNTY",
        name="中共泾川县委组织部",
        kind="org_department",
    )


@pytest.fixture
def city_admin(codes_city: Any) -> Any:
    from liudong.accounts.models import User

    return User.objects.create_user(
        username="codes-city", role="city_admin", organization=codes_city
    )


@pytest.fixture
def county_admin(codes_county: Any) -> Any:
    from liudong.accounts.models import User

    return User.objects.create_user(
        username="codes-county",
        role="county_admin",
        organization=codes_county,
    )


@pytest.fixture
def member(db: Any) -> Any:
    from liudong.accounts.models import User

    return User.objects.create_user(username="codes-member", role="member")


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def city_client(city_admin: Any) -> Client:
    return _client(city_admin)


@pytest.fixture
def county_client(county_admin: Any) -> Client:
    return _client(county_admin)


@pytest.fixture
def member_client(member: Any) -> Client:
    return _client(member)


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def city_api(city_admin: Any) -> APIClient:
    return _api(city_admin)


@pytest.fixture
def county_api(county_admin: Any) -> APIClient:
    return _api(county_admin)


@pytest.fixture
def member_api(member: Any) -> APIClient:
    return _api(member)
