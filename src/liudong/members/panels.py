"""Panels on a member's page that other apps add (check-ins now; services and activities
later), without the ledger importing them.

An app puts a ``panels.py`` beside its models that calls :func:`register` at import time;
the registry imports every installed app's ``panels`` module on first use. A panel's
function receives the viewer and the member (already checked visible) and returns the
partial's context, or None to leave the panel out. Panel functions read through the scope
gate like every query.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Panel:
    key: str
    title: str | Promise
    template: str
    figures: Callable[[Any, Any], dict[str, Any] | None]
    order: int = 100


_PANELS: dict[str, Panel] = {}
_loaded = threading.Event()
_lock = threading.Lock()


def register(panel: Panel) -> Panel:
    """Add (or replace, by key) a panel on the member's page."""
    _PANELS[panel.key] = panel
    return panel


def _discover() -> None:
    if _loaded.is_set():
        return
    with _lock:
        if not _loaded.is_set():
            autodiscover_modules("panels")
            _loaded.set()


def panels_for(user: Any, member: Any) -> list[dict[str, Any]]:
    """The panels to show ``user`` on ``member``'s page, in order, with their context."""
    _discover()
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        context = panel.figures(user, member)
        if context is not None:
            shown.append(
                {
                    "key": panel.key,
                    "title": panel.title,
                    "template": panel.template,
                    "context": context,
                }
            )
    return shown
