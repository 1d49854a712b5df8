"""Places for the regions tests: loaded once per session, whatever the root conftest does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from liudong.core.scope import SYSTEM


def _ensure_places() -> None:
    from liudong.regions.models import Place

    if not Place.objects.exists():
        call_command("load_places", verbosity=0)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    # Chains onto the project's fixture (which loads places too): a no-op once it does.
    with django_db_blocker.unblock():
        _ensure_places()


@pytest.fixture
def places(db: Any) -> None:
    """Places present even after a transactional test elsewhere flushed the database."""
    _ensure_places()


@pytest.fixture
def fresh_index() -> Iterator[None]:
    """For tests that change places: the name index must not outlive the rolled-back rows."""
    from liudong.regions import queries

    queries.invalidate_index()
    yield
    queries.invalidate_index()


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    from liudong.accounts.models import User
    from liudong.orgs.actions import create_organization

    def make(username: str, role: str = "city_admin", **extra: Any) -> Any:
        organization = None
        if role != "member":
            organization = create_organization(
                by=SYSTEM,
                parent=None,
                code=f"RG-{username}",
                name=f"Test {username}",
                kind="city_committee",
            )
        return User.objects.create_user(
            username=username,
            password=None,  # unusable: no slow hashing per test
            role=role,
            organization=organization,
            **extra,
        )

    return make


@pytest.fixture
def staff_client(make_user: Any, places: None) -> Client:
    client = Client()
    client.force_login(make_user("rg_city", role="city_admin"))
    return client


@pytest.fixture
def member_client(make_user: Any, places: None) -> Client:
    client = Client()
    client.force_login(make_user("rg_member", role="member"))
    return client
