"""Reading one's own notifications, through the gate (a user reads only their own)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, QuerySet

from liudong.core import compiled
from liudong.core.scope import gate_key, visible_to
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

    def build() -> QuerySet:
        unread = Notification.objects.filter(recipient=user.pk, read_at__isnull=True)
        return visible_to(user, unread).values_list("recipient").annotate(n=Count("pk")).order_by()

    # Compiled once per user (the recipient is in the SQL) and scope: decision 162.
    found = compiled.rows(("notifications.unread", gate_key(user), user.pk), build)
    return found[0][1] if found else 0


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
