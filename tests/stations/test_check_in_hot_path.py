"""Asking to check in (decisions 51, 82): its statements on every path, its answer's shape,
the lost-race retries."""

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
from liudong.stations.actions import checkin_sql
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
    # PostgreSQL prepares the hot path's three statements once per connection (not counted:
    # an earlier test on this connection may have done it) and executes them by name.
    executed = [s for s in sql if not s.startswith("PREPARE ")]
    assert len(sql) - len(executed) <= 3
    told = 'INSERT INTO "notifications_notification"'  # the station's staff told (decision 121)
    if connection.vendor == "postgresql":
        # token, user, organization, member, open record (locked), station and active
        # check-in in one read; the check-in and its audit row in one insert; the staff
        # notified with its audit row in one more.
        assert len(executed) == 3, "\n".join(sql)
        assert executed[0].startswith("EXECUTE liudong_check_in_read_token_code")
        assert executed[1].startswith("EXECUTE liudong_check_in_insert")
        assert executed[2].startswith("EXECUTE liudong_notify")  # prepared, as the two
    else:  # SQLite: no data-modifying CTE, so the audit rows are statements of their own
        assert len(executed) == 5, "\n".join(sql)
        assert executed[1].startswith("INSERT INTO stations_checkin")
        assert executed[2].startswith("INSERT INTO core_auditevent")
        assert executed[3].startswith(told)
        assert executed[4].startswith('INSERT INTO "core_auditevent"')
    row = AuditEvent.objects.get(verb="checkin.request", object_id=str(response.json()["id"]))
    assert row.actor_id == user.pk and row.actor_org_path == user.organization.path
    assert row.org_path == station(5).branch.path
    with CaptureQueriesContext(connection) as again:
        repeat = api.post("/api/v1/check-ins/", {"station": "620800-ST05"})
    assert repeat.status_code == 200 and repeat.json() == response.json()
    assert len(_statements(again)) == 1, "\n".join(_statements(again))
    assert CheckIn.objects.filter(flow=flow).count() == 1


def test_the_page_and_the_general_path_run_the_same_statements(demo: Any, monkeypatch: Any) -> None:
    """The page (a signed-in user) and DRF's general path (here: the token path switched off)
    run the same read and insert; DRF adds its own token and station reads before them."""
    user, _member, flow = member_with_account(demo)
    monkeypatch.setattr(actions, "check_in_with_token", lambda **kwargs: None)
    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    ContentType.objects.get_for_model(CheckIn)
    with CaptureQueriesContext(connection) as made:
        response = api.post("/api/v1/check-ins/", {"station": "620800-ST05"})
    assert response.status_code == 201, response.content
    sql = [s for s in _statements(made) if not s.startswith("PREPARE ")]
    # the check-in's insert(s), and the staff's notification (with its audit row)
    inserts = 2 if connection.vendor == "postgresql" else 4
    # token with its user and organization; the station; the one read; the insert(s).
    assert len(sql) == 3 + inserts, "\n".join(sql)
    if connection.vendor == "postgresql":
        assert sql[2].startswith("EXECUTE liudong_check_in_read_user_id")
        assert sql[3].startswith("EXECUTE liudong_check_in_insert")
    with CaptureQueriesContext(connection) as again:
        repeat = api.post("/api/v1/check-ins/", {"station": "620800-ST05"})
    assert repeat.status_code == 200 and repeat.json() == response.json()
    assert len(_statements(again)) == 3, "\n".join(_statements(again))
    assert CheckIn.objects.filter(flow=flow).count() == 1
    page_user, _m, _f = member_with_account(demo)
    target = station(5)
    with CaptureQueriesContext(connection) as asked:
        actions.request_check_in(by=page_user, station=target)
    sql = [s for s in _statements(asked) if not s.startswith("PREPARE ")]
    assert len(sql) == 1 + inserts, "\n".join(sql)


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


def _losing_once(monkeypatch: Any, member: Any, flow: Any) -> list[CheckIn]:
    """Another request commits its check-in for the record after our first read (which
    still saw none) and before our insert."""
    winner = [CheckIn.objects.create(member=member, flow=flow, station=station(5))]
    real = checkin_sql.read  # the action calls it through its module
    reads: list[bool] = []

    def before_the_winner(**kwargs: Any) -> Any:
        facts = real(**kwargs)
        reads.append(True)
        if len(reads) == 1:
            return facts._replace(active_id=None, active_station_id=None, active_status=None)
        return facts

    monkeypatch.setattr(checkin_sql, "read", before_the_winner)
    return winner


@pytest.mark.parametrize("path", ["page", "token"])
def test_a_request_that_loses_the_race_answers_with_the_winners_row(
    demo: Any, monkeypatch: Any, path: str
) -> None:
    """PostgreSQL: the insert inserts nothing (the constraint, waited for); SQLite: it raises
    (the constraint). Either way the action reads again, the record locked, and answers with
    the winner's row; no audit row of ours."""
    user, member, flow = member_with_account(demo)
    key = Token.objects.create(user=user).key
    winner = _losing_once(monkeypatch, member, flow)
    if path == "page":
        check_in, created = actions.request_check_in(by=user, station=station(5))
    else:
        answer = actions.check_in_with_token(token_key=key, station_code="620800-ST05")
        assert answer is not None
        check_in, created = answer.check_in, answer.created
    assert created is False and check_in.pk == winner[0].pk
    assert CheckIn.objects.filter(flow=flow).count() == 1
    assert AuditEvent.objects.filter(verb="checkin.request").count() == 0


def test_a_request_that_keeps_losing_gives_up(demo: Any, monkeypatch: Any) -> None:
    user, _member, flow = member_with_account(demo)
    monkeypatch.setattr(checkin_sql, "insert", lambda *args: None)  # the record kept changing
    with pytest.raises(IntegrityError):
        actions.request_check_in(by=user, station=station(5))
    assert not CheckIn.objects.filter(flow=flow).exists()
