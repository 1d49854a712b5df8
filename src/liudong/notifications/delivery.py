"""Sending notifications beyond the site: by SMS, for the kinds the settings name.

``LIUDONG_NOTIFY_SMS_KINDS`` maps a kind to the SMS gateway's template for it
(``{"checkin.pending": "SMS_0001"}``; from the environment as
``checkin.pending=SMS_0001,alerts.escalated=SMS_0002``; a kind without ``=`` uses its own
key as the template). Empty, the default: nothing leaves the site. The messages go once the
transaction that wrote the notifications commits, as a background task (a Celery worker
with ``REDIS_URL``, in the process otherwise), through the sender that sends the one-time
codes (``accounts.sms``). The text is the notification's own (what the recipient sees in
the centre), in the site's language; the log names the kind, the notification and the
masked phone, never the text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import translation

from liudong.accounts import sms
from liudong.core import crypto, outbox
from liudong.notifications import kinds
from liudong.notifications.models import Notification

logger = logging.getLogger("liudong.notifications")


def sms_templates() -> dict[str, str]:
    configured: Any = getattr(settings, "LIUDONG_NOTIFY_SMS_KINDS", None) or {}
    if isinstance(configured, dict):
        return {str(k): str(v) for k, v in configured.items()}
    return {str(kind): str(kind) for kind in configured}


def after_commit(kind: str, ids: list[int]) -> None:
    """Queue the SMS of notifications ``ids`` once the transaction that wrote them commits."""
    if kind not in sms_templates() or not ids:
        return
    from liudong.notifications.tasks import send_sms

    outbox.enqueue(send_sms, list(ids))  # kept in the database while the broker is away


def send(ids: Iterable[int]) -> dict[str, int]:
    """Send the SMS of notifications ``ids`` to their recipients with a phone: counts of
    ``sent``, ``no_phone`` and ``failed``."""
    templates = sms_templates()
    counts = {"sent": 0, "no_phone": 0, "failed": 0}
    rows = Notification.objects.filter(pk__in=list(ids)).select_related("recipient")
    sender = sms.get_sender()
    with translation.override(settings.LANGUAGE_CODE):
        for notification in rows.order_by("pk"):
            template = templates.get(notification.kind)
            if template is None:
                continue
            phone = notification.recipient.phone
            if not phone or not notification.recipient.is_active:
                counts["no_phone"] += 1
                continue
            title, body = kinds.render(notification.kind, notification.params)
            text = f"{title}。{body}" if body else title
            try:
                sender.send_message(
                    phone, template=template, params=dict(notification.params), text=text
                )
            except sms.SendError:
                counts["failed"] += 1
                logger.error(
                    "SMS of notification %s (%s) failed for %s",
                    notification.pk, notification.kind, crypto.mask_phone(phone),
                )  # fmt: skip
                continue
            counts["sent"] += 1
    return counts
