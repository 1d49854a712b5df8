"""What awaits the signed-in user's answer, for the bell in the top bar.

Apps add items without core importing them: an ``attention.py`` beside the app's models
calls :func:`register` at import time (discovered on first use). An item's ``count``
receives the user and reads through the scope gate like every query; items that count
nothing are left out. The bell loads these with a request of its own every minute that
does not keep the session alive (``background`` below), so an open tab still signs out
after the idle limit.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise

from liudong.core.registry import Registry


@dataclass(frozen=True)
class Item:
    key: str
    label: str | Promise
    url_name: str
    count: Callable[[Any], int]
    anchor: str = ""
    order: int = 100


_ITEMS: Registry[Item] = Registry("attention")
register = _ITEMS.register


def items_for(user: Any) -> list[dict[str, Any]]:
    """The items with something waiting, in order: key, label, count and link."""
    shown = []
    for item in _ITEMS.items():
        count = item.count(user)
        if count:
            url = reverse(item.url_name) + (f"#{item.anchor}" if item.anchor else "")
            shown.append({"key": item.key, "label": item.label, "count": count, "url": url})
    return shown


def background(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view's requests as not the user's activity: the session's idle expiry is
    not pushed by them (see ``SessionIdleMiddleware``)."""

    @functools.wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
        request.liudong_background = True
        return view(request, *args, **kwargs)

    return wrapped
