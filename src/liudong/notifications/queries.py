"""Reading one's own notifications, through the gate (a user reads only their own)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet

from liudong.core.scope import visible_to
from liudong.notifications import kinds
from liudong.notifications.models import Notification


def mine(user: Any) -> QuerySet:
    """The user's own notifications, unread first, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    own = Notification.objects.filter(recipient=user.pk)
    return visible_to(user, own).order_by(F("read_at").asc(nulls_first=True), "-created_at", "-id")


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    unread = Notification.objects.filter(recipient=user.pk, read_at__isnull=True)
    return visible_to(user, unread).count()


def told(rows: Any) -> list[dict[str, Any]]:
    """Each notification with its title and body in the active language."""
    shown = []
    for row in rows:
        title, body = kinds.render(row.kind, row.params)
        shown.append({"notification": row, "title": title, "body": body})
    return shown


def latest(user: Any, limit: int = 5) -> list[dict[str, Any]]:
    """The newest few, unread first, told: for the home pages."""
    return told(mine(user)[:limit])
