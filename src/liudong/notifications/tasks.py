"""The notifications' background work: thin, it calls the delivery."""

from __future__ import annotations

from celery import shared_task

from liudong.notifications import delivery


@shared_task(name="liudong.notifications.send_sms")
def send_sms(ids: list[int]) -> dict[str, int]:
    """Send notifications ``ids`` by SMS (the kinds ``LIUDONG_NOTIFY_SMS_KINDS`` names)."""
    return delivery.send(ids)
