"""The check-in API's hot path: its statements, its answer's shape, the lost-race retries."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from liudong.core.models import AuditEvent
from liudong.stations import actions
from liudong.stations.actions import checkin as checkin_actions
from liudong.stations.actions import quick as quick_actions
from liudong.stations.api import _CHECK_IN_SHAPE
from liudong.stations.models import CheckIn
from liudong.stations.serializers import CheckInSerializer
from tests.stations.helpers import member_with_account, station

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def _statements(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in queries.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)
    ]


def test_a_check_in_is_two_statements_and_a_repeat_one(demo: Any) -> None:
    user, _member, flow = member_with_account(demo)
    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    ContentType.objects.get_for_model(CheckIn)  # cached per process once the server runs
    with CaptureQueriesContext(connection) as made:
        response = api.post("/api/v1/check-ins/", {"station": "620800-ST05"})
    assert response.status_code == 201, response.content
    sql = _statements(made)
    # PostgreSQL prepares the hot path's two statements once per connection (not counted:
    # an earlier test on this connection may have done it) and executes them by name.
    executed = [s for s in sql if not s.startswith("PREPARE ")]
    assert len(sql) - len(executed) <= 2
    if connection.vendor == "postgresql":
        # token, user, organization, member, open record (locked), station and active
        # check-in in one read; the check-in and its audit row in one insert.
        assert len(executed) == 2, "\n".join(sql)
        assert executed[0].startswith("EXECUTE liudong_check_in_read_code")
        assert executed[1].startswith("EXECUTE liudong_check_in_insert")
    else:  # SQLite: no data-modifying CTE, so the audit row is a statement of its own
        assert len(executed) == 3, "\n".join(sql)
        assert executed[1].startswith("INSERT INTO stations_checkin")
        assert executed[2].startswith("INSERT INTO core_auditevent")
    row = AuditEvent.objects.get(verb="checkin.request", object_id=str(response.json()["id"]))
    assert row.actor_id == user.pk and row.actor_org_path == user.organization.path
    assert row.org_path == station(5).branch.path
    with CaptureQueriesContext(connection) as again:
        repeat = api.post("/api/v1/check-ins/", {"station": "620800-ST05"})
    assert repeat.status_code == 200 and repeat.json() == response.json()
    assert len(_statements(again)) == 1, "\n".join(_statements(again))
    assert CheckIn.objects.filter(flow=flow).count() == 1


def test_the_general_path_is_five_statements_and_a_repeat_four(demo: Any, monkeypatch: Any) -> None:
    """What the hot path replaces (and what every other client of the action still runs)."""
    user, _member, flow = member_with_account(demo)
    monkeypatch.setattr(actions, "quick_check_in", lambda **kwargs: None)
    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    ContentType.objects.get_for_model(CheckIn)
    with CaptureQueriesContext(connection) as made:
        response = api.post("/api/v1/check-ins/", {"station": "620800-ST05"})
    assert response.status_code == 201, response.content
    sql = _statements(made)
    # token with its user and organization; the station; the record locked with its member
    # and active check-in; the check-in; its audit row.
    assert len(sql) == 5, "\n".join(sql)
    assert sql[-2].startswith('INSERT INTO "stations_checkin"')
    assert sql[-1].startswith('INSERT INTO "core_auditevent"')
    with CaptureQueriesContext(connection) as again:
        repeat = api.post("/api/v1/check-ins/", {"station": "620800-ST05"})
    assert repeat.status_code == 200 and repeat.json() == response.json()
    assert len(_statements(again)) == 4, "\n".join(_statements(again))
    assert CheckIn.objects.filter(flow=flow).count() == 1


def test_the_answer_has_the_serializers_shape(demo: Any) -> None:
    user, _member, _flow = member_with_account(demo)
    check_in, _created = actions.request_check_in(by=user, station=station(5))
    check_in = actions.confirm_check_in(by=demo("user:station05"), check_in=check_in, note="")
    check_in = CheckIn.objects.select_related("member", "station", "flow", "decided_by").get(
        pk=check_in.pk
    )
    shape = _CHECK_IN_SHAPE.to_representation(check_in)
    assert shape == CheckInSerializer(check_in).data
    assert shape["decided_by"] and shape["decided_at"] and shape["status"] == "confirmed"


def test_a_request_that_loses_the_race_answers_with_the_winners_row(
    demo: Any, monkeypatch: Any
) -> None:
    user, _member, flow = member_with_account(demo)
    real = checkin_actions._request_check_in  # request_check_in calls it in its own module
    calls: list[bool] = []

    def racing(**kwargs: Any) -> Any:
        if not calls:  # another request commits its check-in first; ours hits the constraint
            calls.append(True)
            real(**kwargs)
            raise IntegrityError("one_active_check_in_per_flow_record")
        calls.append(False)
        return real(**kwargs)

    monkeypatch.setattr(checkin_actions, "_request_check_in", racing)
    check_in, created = actions.request_check_in(by=user, station=station(5))
    assert created is False and calls == [True, False]
    assert CheckIn.objects.filter(flow=flow).count() == 1 and check_in.flow_id == flow.pk


def test_the_hot_path_asks_again_after_losing_the_race(demo: Any, monkeypatch: Any) -> None:
    user, _member, flow = member_with_account(demo)
    key = Token.objects.create(user=user).key
    real = quick_actions._quick_check_in  # quick_check_in calls it in its own module
    calls: list[bool] = []

    def racing(**kwargs: Any) -> Any:
        calls.append(True)
        if len(calls) == 1:  # the insert met another request's committed check-in
            raise IntegrityError("one_active_check_in_per_flow_record")
        return real(**kwargs)

    monkeypatch.setattr(quick_actions, "_quick_check_in", racing)
    answer = actions.quick_check_in(token_key=key, station_code="620800-ST05")
    assert answer is not None and answer[1] is True and len(calls) == 2
    assert CheckIn.objects.filter(flow=flow).count() == 1

    def always_losing(**kwargs: Any) -> Any:
        raise IntegrityError("one_active_check_in_per_flow_record")

    # Losing twice: the general path answers instead (and applies its own retry).
    monkeypatch.setattr(quick_actions, "_quick_check_in", always_losing)
    assert actions.quick_check_in(token_key=key, station_code="620800-ST05") is None


def test_a_check_in_committed_between_read_and_insert_is_answered(
    demo: Any, monkeypatch: Any
) -> None:
    """PostgreSQL: the read takes no lock; the insert locks the record and inserts nothing
    when another request's active check-in is there, and the hot path reads again."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "PostgreSQL only (CI's second run): on SQLite every transaction begins IMMEDIATE, "
            "so no check-in can be committed between the read and the insert; SQLite's own "
            "race (a lost insert retried) is tested above"
        )
    user, member, flow = member_with_account(demo)
    key = Token.objects.create(user=user).key
    real = quick_actions._execute  # the hot path calls it in its own module
    winner: list[CheckIn] = []

    def meanwhile(cursor: Any, conn: Any, name: str, sql: str, params: list[Any]) -> None:
        if name == "liudong_check_in_insert" and not winner:
            winner.append(CheckIn.objects.create(member=member, flow=flow, station=station(5)))
        real(cursor, conn, name, sql, params)

    monkeypatch.setattr(quick_actions, "_execute", meanwhile)
    answer = actions.quick_check_in(token_key=key, station_code="620800-ST05")
    assert answer is not None and answer[1] is False and answer[0]["id"] == winner[0].pk
    assert CheckIn.objects.filter(flow=flow).count() == 1
    assert AuditEvent.objects.filter(verb="checkin.request").count() == 0  # no row of ours
