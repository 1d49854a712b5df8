"""What keeps a station from closing: a registry other apps add to.

An app puts a ``closing_blockers.py`` beside its models that registers a
:class:`ClosingBlocker` (service requests still open, activities still to come...); closing
asks each in turn and is refused, with every blocker's message, while any answers. The
stations app registers its own: check-ins awaiting an answer (decision 107).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from liudong.core.registry import Registry


@dataclass(frozen=True)
class ClosingBlocker:
    key: str
    # The station -> a message saying what to finish first, or None when nothing blocks.
    check: Callable[[Any], str | None]
    order: int = 100


blockers: Registry[ClosingBlocker] = Registry("closing_blockers")


def reasons_not_to_close(station: Any) -> list[str]:
    """Every registered blocker's message for ``station`` (empty: it may close)."""
    found = (blocker.check(station) for blocker in blockers.items())
    return [message for message in found if message]
