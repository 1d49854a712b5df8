"""Requests at the same moment (PostgreSQL, each in its own connection, as under gunicorn):
the last places go to as many members as there are places, and a double tap on the QR link
records one attendance. Nothing is double-written."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from liudong.activities import actions
from liudong.activities.models import Attendance, SignUp
from liudong.core.errors import DomainError
from tests.activities.helpers import at, attached_member, planned

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent connections: SQLite serializes writers; runs in the PostgreSQL pass",
    ),
]


def _at_once(calls: list[Callable[[], Any]]) -> list[str]:
    """Run the calls in threads released together; each one's outcome ("ok" or a code)."""
    start = threading.Barrier(len(calls))
    outcomes: list[str] = [""] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            start.wait()
            call()
            outcomes[index] = "ok"
        except DomainError as refused:
            outcomes[index] = refused.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_the_last_places_go_to_as_many_as_there_are(clock: Any, demo: Any) -> None:
    activity = planned(5, capacity=2)
    users = [attached_member(demo)[0] for _ in range(5)]
    outcomes = _at_once([lambda u=u: actions.sign_up(by=u, activity=activity) for u in users])
    assert sorted(outcomes) == ["full", "full", "full", "ok", "ok"], outcomes
    assert SignUp.objects.filter(activity=activity).count() == 2


def test_a_double_tap_on_the_qr_link_records_once(clock: Any, demo: Any) -> None:
    user, member = attached_member(demo)
    activity = planned(5, starts_in=10)
    clock(at(10))
    outcomes = _at_once([lambda: actions.record_by_scan(by=user, activity=activity)] * 4)
    assert sorted(outcomes) == ["already_attended"] * 3 + ["ok"], outcomes
    assert Attendance.objects.filter(activity=activity, member=member).count() == 1
