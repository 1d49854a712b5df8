"""Notifications by SMS: only the kinds configured, through the code sender, after commit,
nothing personal in the log."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from liudong.accounts import sms
from liudong.core.scope import SYSTEM
from liudong.notifications import actions, delivery

pytestmark = pytest.mark.django_db


def test_nothing_is_sent_unless_the_kind_is_configured(
    demo: Any, hello_kind: str, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.LIUDONG_NOTIFY_SMS_KINDS = {}
    sms.MESSAGES.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        actions.notify([demo("user:member_jc")], hello_kind, params={"name": "x"}, by=SYSTEM)
    assert callbacks == [] and not sms.MESSAGES


def test_a_configured_kind_goes_by_sms_after_commit(
    demo: Any, hello_kind: str, settings: Any, django_capture_on_commit_callbacks: Any, caplog: Any
) -> None:
    settings.LIUDONG_NOTIFY_SMS_KINDS = {hello_kind: "SMS_0009"}
    settings.LIUDONG_SMS_BACKEND = "liudong.accounts.sms.ConsoleSender"
    member = demo("user:member_jc")  # phone 13809331001
    nobody = demo("user:station05")  # no phone
    sms.MESSAGES.clear()
    caplog.set_level(logging.INFO)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.notify([member, nobody], hello_kind, params={"name": "王五"}, by=SYSTEM)
        assert not sms.MESSAGES  # not before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert list(sms.MESSAGES) == [("138****1001", "SMS_0009", "Hello 王五。From ")]
    logged = caplog.text
    assert "SMS_0009" in logged and "138****1001" in logged
    assert "13809331001" not in logged and "王五" not in logged


def test_the_gateway_gets_the_template_its_parameters_and_the_text(
    demo: Any, hello_kind: str, settings: Any, monkeypatch: Any
) -> None:
    settings.LIUDONG_NOTIFY_SMS_KINDS = {hello_kind: "SMS_0010"}
    settings.LIUDONG_SMS_BACKEND = "liudong.accounts.sms.HttpGatewaySender"
    settings.LIUDONG_SMS_URL = "http://gateway.invalid/send"
    settings.LIUDONG_SMS_SIGN = "平凉组工"
    posted: list[dict[str, Any]] = []

    class Answer:
        status = 200

        def __enter__(self) -> Answer:
            return self

        def __exit__(self, *args: Any) -> None:
            return None

    def urlopen(request: Any, timeout: float) -> Answer:
        posted.append(json.loads(request.data))
        return Answer()

    monkeypatch.setattr(sms.urllib.request, "urlopen", urlopen)
    member = demo("user:member_jc")
    actions.notify([member], hello_kind, params={"name": "赵六", "place": "西安"}, by=SYSTEM)
    from liudong.notifications.models import Notification

    ids = list(Notification.objects.filter(kind=hello_kind).values_list("pk", flat=True))
    assert delivery.send(ids) == {"sent": 1, "no_phone": 0, "failed": 0}
    assert posted == [
        {
            "phone": "13809331001",
            "sign": "平凉组工",
            "template": "SMS_0010",
            "params": {"name": "赵六", "place": "西安"},
            "text": "Hello 赵六。From 西安",
        }
    ]


def test_a_failed_send_is_counted_and_logged_masked(
    demo: Any, hello_kind: str, settings: Any, monkeypatch: Any, caplog: Any
) -> None:
    settings.LIUDONG_NOTIFY_SMS_KINDS = {hello_kind: "SMS_0011"}
    settings.LIUDONG_SMS_BACKEND = "liudong.accounts.sms.HttpGatewaySender"
    settings.LIUDONG_SMS_URL = "http://gateway.invalid/send"

    def down(request: Any, timeout: float) -> Any:
        raise OSError("connection refused")

    monkeypatch.setattr(sms.urllib.request, "urlopen", down)
    actions.notify([demo("user:member_jc")], hello_kind, params={"name": "x"}, by=SYSTEM)
    from liudong.notifications.models import Notification

    ids = list(Notification.objects.filter(kind=hello_kind).values_list("pk", flat=True))
    assert delivery.send(ids)["failed"] == 1
    assert "13809331001" not in caplog.text and "138****1001" in caplog.text
