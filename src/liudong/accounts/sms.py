"""Sending one-time codes and general messages: a pluggable sender chosen by
``LIUDONG_SMS_BACKEND``.

A general message (a notification sent by SMS as well, ``liudong.notifications.delivery``)
is a gateway template with its parameters, and the same text rendered, for gateways that
take free text.

``ConsoleSender`` (the default) writes the code to the log with the phone masked, for the
demo and tests. ``HttpGatewaySender`` posts JSON to an SMS gateway configured by settings
(``LIUDONG_SMS_URL``, ``LIUDONG_SMS_TOKEN``, ``LIUDONG_SMS_SIGN``, ``LIUDONG_SMS_TEMPLATE``,
``LIUDONG_SMS_TIMEOUT``). A sender raises :class:`SendError` when the code did not go out.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections import deque
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from liudong.core import crypto

logger = logging.getLogger("liudong.sms")

# The latest codes the console sender "sent", by masked phone: the demo and the browser
# test read them here (the log line carries the same). Never used by other senders.
OUTBOX: deque[tuple[str, str]] = deque(maxlen=50)


class SendError(Exception):
    pass


class Sender(Protocol):
    def send(self, phone: str, code: str, *, minutes: int) -> None: ...

    def send_message(
        self, phone: str, *, template: str, params: dict[str, Any], text: str
    ) -> None: ...


# The latest general messages the console sender "sent": (masked phone, template, text).
MESSAGES: deque[tuple[str, str, str]] = deque(maxlen=50)


class ConsoleSender:
    """Logs the code with the phone masked. For the demo and development only."""

    def send(self, phone: str, code: str, *, minutes: int) -> None:
        masked = crypto.mask_phone(phone)
        OUTBOX.append((masked, code))
        logger.warning("Sign-in code for %s: %s (valid %d minutes)", masked, code, minutes)

    def send_message(self, phone: str, *, template: str, params: dict[str, Any], text: str) -> None:
        """Keeps the message for the demo; the log names the template and the masked phone
        only (the text may name a member)."""
        masked = crypto.mask_phone(phone)
        MESSAGES.append((masked, template, text))
        logger.warning("Message %s for %s", template, masked)


class HttpGatewaySender:
    """Posts ``{"phone", "sign", "template", "params": {"code", "minutes"}}`` to a gateway.

    Most Chinese SMS gateways (and any in-house relay) accept a JSON call of this shape,
    with a bearer token; a 2xx answer means accepted.
    """

    def __init__(self) -> None:
        self.url = getattr(settings, "LIUDONG_SMS_URL", "")
        self.token = getattr(settings, "LIUDONG_SMS_TOKEN", "")
        self.sign = getattr(settings, "LIUDONG_SMS_SIGN", "")
        self.template = getattr(settings, "LIUDONG_SMS_TEMPLATE", "")
        self.timeout = float(getattr(settings, "LIUDONG_SMS_TIMEOUT", 5))
        if not self.url:
            raise SendError("LIUDONG_SMS_URL is not set")

    def payload(self, phone: str, code: str, minutes: int) -> dict[str, Any]:
        return {
            "phone": phone,
            "sign": self.sign,
            "template": self.template,
            "params": {"code": code, "minutes": minutes},
        }

    def send(self, phone: str, code: str, *, minutes: int) -> None:
        self._post(phone, self.payload(phone, code, minutes))

    def send_message(self, phone: str, *, template: str, params: dict[str, Any], text: str) -> None:
        """Posts ``{"phone", "sign", "template", "params", "text"}``: the gateway's template
        (the kind's, from ``LIUDONG_NOTIFY_SMS_KINDS``) with its parameters, and the text."""
        payload = {
            "phone": phone, "sign": self.sign, "template": template, "params": params,
            "text": text,
        }  # fmt: skip
        self._post(phone, payload)

    def _post(self, phone: str, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        request = urllib.request.Request(self.url, data=body, method="POST")
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                if not 200 <= response.status < 300:
                    raise SendError(f"gateway answered {response.status}")
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            # The log names the masked phone only, never the code.
            logger.error("SMS gateway failed for %s: %s", crypto.mask_phone(phone), exc)
            raise SendError(str(exc)) from exc


def get_sender() -> Sender:
    path = getattr(settings, "LIUDONG_SMS_BACKEND", "liudong.accounts.sms.ConsoleSender")
    return import_string(path)()


def latest_console_code(phone: str) -> str | None:
    """The last code the console sender logged for ``phone`` (demo and tests)."""
    masked = crypto.mask_phone(phone)
    for sent_to, code in reversed(OUTBOX):
        if sent_to == masked:
            return code
    return None
