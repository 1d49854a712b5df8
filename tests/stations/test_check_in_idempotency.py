"""A check-in kept on a phone without network is sent once (decision 133): the same
idempotency key again answers with the first check-in and writes nothing, on the page, the
API's general path and its token path; a different key meets the rules as any check-in."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from liudong.core.errors import DomainError
from liudong.core.models import AuditEvent
from liudong.notifications.models import Notification
from liudong.stations import actions
from liudong.stations.models import CheckIn, CheckInStatus
from tests.stations.helpers import member_with_account, station

URL = "/api/v1/check-ins/"


def _counts() -> tuple[int, int, int]:
    return (
        CheckIn.objects.count(),
        AuditEvent.objects.filter(verb="checkin.request").count(),
        Notification.objects.count(),
    )


def test_the_same_key_twice_makes_one_check_in_and_the_same_answer(demo: Any) -> None:
    user, member, _record = member_with_account(demo)
    key = uuid.uuid4()
    first, created = actions.request_check_in(by=user, station=station(5), idempotency_key=key)
    assert created and first.idempotency_key == key
    counts = _counts()
    again, created_again = actions.request_check_in(
        by=user, station=station(5), idempotency_key=key
    )
    assert (again.pk, created_again, getattr(again, "replayed", False)) == (first.pk, False, True)
    assert _counts() == counts  # no row, no audit row, no notification more


def test_the_same_key_answers_even_after_the_check_in_changed(demo: Any) -> None:
    """The phone sends again after the answer was lost; meanwhile the member withdrew it:
    the answer is still that check-in (now withdrawn), and nothing new is made."""
    user, _member, _record = member_with_account(demo)
    key = uuid.uuid4()
    first, _ = actions.request_check_in(by=user, station=station(5), idempotency_key=key)
    actions.cancel_check_in(by=user, check_in=first)
    again, created = actions.request_check_in(by=user, station=station(5), idempotency_key=key)
    assert (again.pk, created, again.status) == (first.pk, False, CheckInStatus.CANCELLED)
    assert CheckIn.objects.filter(member__user=user).count() == 1


def test_a_different_key_meets_the_rules(demo: Any) -> None:
    user, _member, _record = member_with_account(demo)
    first, _ = actions.request_check_in(by=user, station=station(5), idempotency_key=uuid.uuid4())
    # The same station: the active check-in, as without a key (nothing written).
    same, created = actions.request_check_in(
        by=user, station=station(5), idempotency_key=uuid.uuid4()
    )
    assert (same.pk, created, getattr(same, "replayed", False)) == (first.pk, False, False)
    # Another station: refused as a second check-in, whatever the key.
    with pytest.raises(DomainError) as refused:
        actions.request_check_in(by=user, station=station(6), idempotency_key=uuid.uuid4())
    assert refused.value.code == "pending_elsewhere"
    assert CheckIn.objects.filter(member__user=user).count() == 1


def test_another_members_key_is_not_theirs(demo: Any) -> None:
    """Keys are per member: another member's key neither answers with their check-in nor
    stops this one."""
    user, _m, _r = member_with_account(demo)
    other, _m2, _r2 = member_with_account(demo)
    key = uuid.uuid4()
    mine, _ = actions.request_check_in(by=user, station=station(5), idempotency_key=key)
    theirs, created = actions.request_check_in(by=other, station=station(5), idempotency_key=key)
    assert created and theirs.pk != mine.pk


def test_the_database_keeps_one_check_in_per_member_and_key(demo: Any) -> None:
    user, member, record = member_with_account(demo)
    key = uuid.uuid4()
    values = {"member": member, "flow": record, "station": station(5), "idempotency_key": key}
    CheckIn.objects.create(status=CheckInStatus.CANCELLED, **values)
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(status=CheckInStatus.REFUSED, **values)


def test_the_page_honours_the_key(demo: Any) -> None:
    user, _member, _record = member_with_account(demo)
    client = Client()
    client.force_login(user)
    url = reverse("checkin:station", args=[station(5).qr_token])
    key = str(uuid.uuid4())
    first = client.post(url, {"idempotency_key": key})
    assert first.status_code == 302
    counts = _counts()
    again = client.post(url, {"idempotency_key": key}, follow=True)
    assert again.redirect_chain[0][0] == first["Location"]
    assert "您已在此报到过" not in again.content.decode()  # a replay, not "you had already"
    assert _counts() == counts
    bad = client.post(url, {"idempotency_key": "not-a-key"})
    assert bad.status_code == 400 and "重新填写" in bad.content.decode()


def _token_client(user: Any) -> Client:
    key = Token.objects.get_or_create(user=user)[0].key
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


@pytest.mark.parametrize("path", ["token", "general"])
def test_the_api_honours_the_key_header(demo: Any, path: str, monkeypatch: Any) -> None:
    user, _member, _record = member_with_account(demo)
    if path == "token":
        client = _token_client(user)
    else:
        client = Client()
        client.force_login(user)
    body = json.dumps({"station": station(5).code})
    key = str(uuid.uuid4())
    first = client.post(URL, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.content
    counts = _counts()
    again = client.post(URL, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["status"] == first.json()["status"]
    assert _counts() == counts
    other = client.post(
        URL, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    assert other.status_code == 200 and other.json()["id"] == first.json()["id"]
    assert "Idempotent-Replayed" not in other
    assert _counts() == counts


def test_the_api_refuses_a_malformed_key(demo: Any) -> None:
    user, _member, _record = member_with_account(demo)
    client = _token_client(user)
    body = json.dumps({"station": station(5).code})
    answer = client.post(URL, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="x")
    assert answer.status_code == 400
    assert answer.json()["code"] == "idempotency_key_invalid"
    assert CheckIn.objects.filter(member__user=user).count() == 0
