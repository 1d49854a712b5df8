"""``{% unread_count %}``: the signed-in user's unread notifications (the phone's tab bar)."""

from __future__ import annotations

from typing import Any

from django import template

from liudong.notifications import queries

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_count(context: Any) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    return queries.unread_count(user) if user is not None else 0
