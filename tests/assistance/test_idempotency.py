"""A service request kept on a phone without network is sent once (decision 133): the same
idempotency key again answers with the first request and writes nothing, on the page and
the API; a different key is a new submission under the usual rules."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from liudong.assistance import actions
from liudong.assistance.models import ServiceRequest
from liudong.core.models import AuditEvent

API = "/api/v1/service-requests/"


def _counts() -> tuple[int, int]:
    return (
        ServiceRequest.objects.count(),
        AuditEvent.objects.filter(verb="service_request.submit").count(),
    )


def test_the_same_key_twice_makes_one_request(asker: Any, st05: Any) -> None:
    key = uuid.uuid4()
    first, created = actions.submit_request(
        by=asker[0], station=st05, kind="employment", description="找工作", idempotency_key=key
    )
    assert created and first.idempotency_key == key
    counts = _counts()
    # Even with another text (the phone's kept copy is what was sent first): the first one.
    again, created_again = actions.submit_request(
        by=asker[0], station=st05, kind="employment", description="找工作！", idempotency_key=key
    )
    assert (again.pk, created_again, again.replayed) == (first.pk, False, True)
    assert _counts() == counts


def test_a_different_key_is_another_submission_under_the_rules(asker: Any, st05: Any) -> None:
    first, _ = actions.submit_request(
        by=asker[0], station=st05, kind="employment", description="找工作",
        idempotency_key=uuid.uuid4(),
    )  # fmt: skip
    # The same text soon after is still the same request (the rule without keys) ...
    same, created = actions.submit_request(
        by=asker[0], station=st05, kind="employment", description="找工作",
        idempotency_key=uuid.uuid4(),
    )  # fmt: skip
    assert (same.pk, created) == (first.pk, False)
    # ... and another text is a new request.
    other, created = actions.submit_request(
        by=asker[0], station=st05, kind="policy", description="社保转移",
        idempotency_key=uuid.uuid4(),
    )  # fmt: skip
    assert created and other.pk != first.pk


def test_the_database_keeps_one_request_per_member_and_key(
    asker: Any, st05: Any, make_request: Any
) -> None:
    key = uuid.uuid4()
    first = make_request(idempotency_key=key)
    values = {f.attname: getattr(first, f.attname) for f in ServiceRequest._meta.concrete_fields}
    values.pop("id")
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRequest.objects.create(**values)


def test_the_phone_page_honours_the_key(login: Any, asker: Any, st05: Any) -> None:
    phone = login(asker[0].username)
    key = str(uuid.uuid4())
    form = {"station": st05.pk, "kind": "legal_aid", "description": "工伤", "idempotency_key": key}
    first = phone.post("/m/requests/new/", form)
    assert first.status_code == 302
    counts = _counts()
    again = phone.post("/m/requests/new/", form)
    assert (again.status_code, again["Location"]) == (302, first["Location"])
    assert _counts() == counts


def test_the_api_honours_the_key_header(login: Any, asker: Any, st05: Any) -> None:
    member = login(asker[0].username)
    body = {"station": st05.code, "kind": "employment", "description": "找工作"}
    key = str(uuid.uuid4())
    first = member.post(API, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.content
    counts = _counts()
    again = member.post(API, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert _counts() == counts
    mismatch = member.post(
        API, {**body, "idempotency_key": str(uuid.uuid4())},
        content_type="application/json", HTTP_IDEMPOTENCY_KEY=key,
    )  # fmt: skip
    assert mismatch.status_code == 400
    assert mismatch.json()["code"] == "idempotency_key_mismatch"
    assert _counts() == counts
