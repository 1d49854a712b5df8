"""Shared fixtures: places and the demo tree are loaded once per test database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

# The test database's ledger: every group and status in every county, built in seconds.
DEMO_LEDGER_MEMBERS = 210


def _load_reference_and_demo() -> None:
    from liudong.demo import census, ledger, tree
    from liudong.regions.models import Place

    if not Place.objects.exists():
        call_command("load_places", verbosity=0)
    call_command("load_codes", verbosity=0)
    tree.build()
    ledger.build_ledger(total=DEMO_LEDGER_MEMBERS)
    census.build_census()
    from liudong.demo.transfers import build_transfers

    build_transfers()
    from liudong.demo.statistics import build_demo as build_statistics

    build_statistics()
    from liudong.demo.activities import build_activities

    build_activities()
    from liudong.demo.cycle import build_cycle

    build_cycle()
    from liudong.demo.notifications import build_notifications

    build_notifications()
    from liudong.demo.voice import build_voice

    build_voice()
    from liudong.demo.siting import build_plans

    build_plans()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    from django.conf import settings

    # A fast hash for the test run only: the demo creates two dozen accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock():
        _load_reference_and_demo()


@pytest.fixture
def demo(db: Any) -> Callable[[str], Any]:
    """Look up demo organizations and users: demo("620821") / demo("user:jingchuan")."""
    from liudong.accounts.models import User
    from liudong.orgs.models import Organization

    if not Organization.objects.filter(code="620800").exists():
        # A transactional test before this one flushed the database: build again.
        _load_reference_and_demo()

    def get(key: str) -> Any:
        if key.startswith("user:"):
            return User.objects.get(username=key[5:])
        return Organization.objects.get(code=key)

    return get


@pytest.fixture
def login(db: Any, demo: Any) -> Callable[[str], Client]:
    """A test client signed in as a demo user (by user name)."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(demo(f"user:{username}"))
        return client

    return make
