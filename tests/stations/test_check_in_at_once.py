"""PostgreSQL in autocommit (as under gunicorn): the token check-in reads, decides and
inserts in one statement (decision 89), writing what the two-statement path writes;
its refusals and lost races are answered from the facts it returned."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from liudong.core import audit
from liudong.core.models import AuditEvent
from liudong.notifications.models import Notification
from liudong.stations import actions
from liudong.stations.actions import checkin_sql
from liudong.stations.models import CheckIn
from tests.stations.helpers import member_with_account, station

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the one-statement check-in is a PostgreSQL data-modifying WITH; SQLite takes "
        "the two-statement path (tests/stations/test_check_in_hot_path.py); runs in CI's "
        "PostgreSQL pass",
    ),
]


def _executed(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in queries.captured_queries
        if not q["sql"].startswith(("PREPARE ", "BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))
    ]  # fmt: skip


def _audit_row(check_in_id: int) -> dict[str, Any]:
    row = AuditEvent.objects.get(verb="checkin.request", object_id=str(check_in_id))
    values = model_to_dict(row)
    values.pop("id")
    values.pop("at")
    return values


def _expected(user: Any, member: Any, check_in: CheckIn) -> dict[str, Any]:
    """The audit row of ``check_in`` asked for by ``user``, as ``audit.event_values`` makes it."""
    return {
        "actor": user.pk, "actor_name": user.username,
        "actor_org_path": user.organization.path, "org_path": station(5).branch.path,
        "object_id": str(check_in.pk), "object_repr": f"{member.name} → {station(5).name}",
        "changes": {"after": audit.snapshot(check_in)},
    }  # fmt: skip


def _told(check_in: CheckIn, member: Any) -> tuple[Any, ...]:
    """The notifications of ``check_in`` and their audit row, its own values taken out."""
    rows = Notification.objects.filter(source_id=str(check_in.pk), kind="checkin.pending")
    found = sorted(
        (n.recipient_id, n.link, n.source_type_id, n.read_at, sorted(n.params)) for n in rows
    )
    assert all(n.params == {"member": member.name, "station": check_in.station.name} for n in rows)
    event = AuditEvent.objects.get(verb="notification.send", object_id=str(check_in.pk))
    assert event.object_repr == f"{member.name} \u2192 {check_in.station.name}"
    values = model_to_dict(
        event, exclude=["id", "at", "object_id", "object_repr", "request_id", "ip"]
    )
    return found, values


def test_a_token_check_in_is_one_statement_and_writes_as_the_two(demo: Any) -> None:
    user, member, flow = member_with_account(demo)
    other_user, other_member, _other_flow = member_with_account(demo)
    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    assert not connection.in_atomic_block
    ContentType.objects.get_for_model(CheckIn)  # cached per process once the server runs
    with CaptureQueriesContext(connection) as made:
        response = api.post("/api/v1/check-ins/", {"station": "620800-ST05"})
    assert response.status_code == 201, response.content
    executed = _executed(made)
    # the check-in and the station's staff told in one statement (decisions 121, 129)
    assert len(executed) == 1, "\n".join(executed)
    assert executed[0].startswith("EXECUTE liudong_check_in_at_once_token_code")
    ours = CheckIn.objects.get(pk=response.json()["id"])
    assert (ours.member_id, ours.flow_id, ours.station_id) == (member.pk, flow.pk, station(5).pk)
    # The same request through the two statements (a caller's transaction: read, insert).
    with transaction.atomic():
        two = actions.check_in_with_token(
            token_key=Token.objects.create(user=other_user).key, station_code="620800-ST05"
        )
    assert two is not None and two.created
    theirs = CheckIn.objects.get(pk=two.check_in.pk)
    ours_row, their_row = _audit_row(ours.pk), _audit_row(theirs.pk)
    for key, value in _expected(user, member, ours).items():
        assert ours_row.pop(key) == value, key
    for key, value in _expected(other_user, other_member, theirs).items():
        assert their_row.pop(key) == value, key
    # The request's values (ours came through the client; theirs was called directly).
    assert ours_row.pop("ip") == "127.0.0.1" and ours_row.pop("request_id")
    their_row.pop("ip"), their_row.pop("request_id")
    assert ours_row == their_row  # kind, verb, content type, result, reason, detail
    assert model_to_dict(ours, exclude=["id", "member", "flow", "requested_at"]) == (
        model_to_dict(theirs, exclude=["id", "member", "flow", "requested_at"])
    )
    # The staff's notifications and their audit row: as the two statements' (notify).
    told = [_told(ours, member), _told(theirs, other_member)]
    assert told[0] == told[1] and told[0][0], told
    # A repeat: the active one, from the facts the one statement returned.
    with CaptureQueriesContext(connection) as again:
        repeat = api.post("/api/v1/check-ins/", {"station": "620800-ST05"})
    assert repeat.status_code == 200 and repeat.json() == response.json()
    assert len(_executed(again)) == 1
    # A refusal: decided from the same facts, nothing written.
    refused = api.post("/api/v1/check-ins/", {"station": "620800-ST06"})
    assert refused.status_code == 400 and refused.json()["code"] == "pending_elsewhere"
    assert CheckIn.objects.filter(flow=flow).count() == 1
    assert AuditEvent.objects.filter(verb="checkin.request").count() == 2


def test_a_lost_race_in_one_statement_answers_with_the_winners_row(
    demo: Any, monkeypatch: Any
) -> None:
    """The statement inserted nothing though its facts allowed it (another request's
    check-in committed after its snapshot): read again with the record locked."""
    user, member, flow = member_with_account(demo)
    key = Token.objects.create(user=user).key
    winner = CheckIn.objects.create(member=member, flow=flow, station=station(5))
    real = checkin_sql.read_and_insert

    def before_the_winner(**kwargs: Any) -> Any:
        facts, pk, told = real(**kwargs)
        assert pk is None and told is None  # the winner's row is there; nobody told
        replaced = facts._replace(active_id=None, active_station_id=None, active_status=None)
        return replaced, pk, told

    monkeypatch.setattr(checkin_sql, "read_and_insert", before_the_winner)
    answer = actions.check_in_with_token(token_key=key, station_code="620800-ST05")
    assert answer is not None and answer.created is False and answer.check_in.pk == winner.pk
    assert CheckIn.objects.filter(flow=flow).count() == 1
    assert AuditEvent.objects.filter(verb="checkin.request").count() == 0


def test_the_same_key_in_one_statement_answers_with_its_check_in(demo: Any) -> None:
    """Decision 133 on the one-statement path: a replay is decided from the facts the one
    statement read (its ``keyed_id``), writes nothing, tells nobody again."""
    import uuid

    user, member, flow = member_with_account(demo)
    api = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    key = str(uuid.uuid4())
    first = api.post("/api/v1/check-ins/", {"station": "620800-ST05"}, HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.content
    told = Notification.objects.count()
    with CaptureQueriesContext(connection) as again:
        replay = api.post(
            "/api/v1/check-ins/", {"station": "620800-ST05"}, HTTP_IDEMPOTENCY_KEY=key
        )
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert _executed(again)[0].startswith("EXECUTE liudong_check_in_at_once_token_code")
    assert CheckIn.objects.filter(flow=flow).count() == 1
    assert AuditEvent.objects.filter(verb="checkin.request").count() == 1
    assert Notification.objects.count() == told


def test_a_race_on_one_key_makes_one_check_in(demo: Any, monkeypatch: Any) -> None:
    """Two sends of one key: the second's statement saw no keyed row (its snapshot came
    first), its insert met the unique key and did nothing; read again, it finds the row."""
    import uuid

    user, member, flow = member_with_account(demo)
    token = Token.objects.create(user=user).key
    key = uuid.uuid4()
    winner = CheckIn.objects.create(
        member=member, flow=flow, station=station(5), status="cancelled", idempotency_key=key
    )
    real = checkin_sql.read_and_insert

    def before_the_winner(**kwargs: Any) -> Any:
        facts, pk, told = real(**kwargs)
        assert pk is None and told is None
        return facts._replace(keyed_id=None), pk, told

    monkeypatch.setattr(checkin_sql, "read_and_insert", before_the_winner)
    answer = actions.check_in_with_token(
        token_key=token, station_code="620800-ST05", idempotency_key=key
    )
    assert answer is not None and answer.check_in.pk == winner.pk
    assert answer.check_in.replayed and not answer.created
    assert CheckIn.objects.filter(member=member).count() == 1
