"""notify_within's kept shape (decision 203): the system's notification inside a caller's
statement is made once per process; each call fills in its own time and request, and the
rest is what a shape made from scratch holds."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from liudong.accounts.models import Role, User
from liudong.core import audit
from liudong.notifications import actions
from liudong.stations import notices
from liudong.stations.models import CheckIn

pytestmark = pytest.mark.django_db


_TIME = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:")  # a time as SQLite takes it


def _plain(params: list[Any]) -> list[Any]:
    """The values as comparable data: JSON as its object, times as a mark."""
    plain = []
    for value in params:
        if isinstance(value, datetime.datetime) or (isinstance(value, str) and _TIME.match(value)):
            plain.append("a time")
        else:
            plain.append(getattr(value, "obj", None) or str(value) if value is not None else None)
    return plain


def _times(params: list[Any]) -> list[datetime.datetime]:
    return [
        v if isinstance(v, datetime.datetime) else datetime.datetime.fromisoformat(v)
        for v, p in zip(params, _plain(params), strict=True)
        if p == "a time"
    ]


def test_a_kept_shape_gives_what_a_new_one_gives_with_the_calls_request(demo: Any) -> None:
    with audit.bind(ip="10.0.0.1", request_id="first", user_agent="phone 1"):
        notices.check_in_asked_within()  # kept
    before = timezone.now()
    with audit.bind(ip="10.0.0.2", request_id="second", user_agent="phone 2"):
        kept = notices.check_in_asked_within()
        actions._SHAPES.clear()
        fresh = notices.check_in_asked_within()
    assert kept.sql == fresh.sql and kept.kind == fresh.kind
    assert _plain(kept.params) == _plain(fresh.params)
    # this call's request, not the first call's
    assert "10.0.0.2" in _plain(kept.params) and "second" in kept.params
    assert "phone 2" in kept.params and "first" not in kept.params
    times = [t if t.tzinfo else t.replace(tzinfo=datetime.UTC) for t in _times(kept.params)]
    assert len(times) == 2 and all(t >= before for t in times)
    assert ContentType.objects.get_for_model(CheckIn).pk in kept.params


def test_a_signed_in_user_bound_is_named_and_not_kept(demo: Any) -> None:
    actions._SHAPES.clear()
    user = User.objects.filter(role=Role.STATION_STAFF, is_active=True).first()
    with audit.bind(actor=user, ip="10.0.0.3"):
        named = notices.check_in_asked_within()
    assert not actions._SHAPES  # the row names that user: made for the call
    assert user.pk in named.params and user.username in named.params
    with audit.bind(ip="10.0.0.3"):
        system = notices.check_in_asked_within()
    assert len(actions._SHAPES) == 1
    assert user.pk not in system.params and "system" in system.params
