"""The kinds of notification: each app declares its own, the text is written when read.

An app puts a ``notices.py`` beside its models that calls :func:`register` at import time
(the registry imports every installed app's ``notices`` module on first use, like the bell's
``attention.py``). A kind's ``title`` and ``body`` are translatable format strings over the
notification's parameters (``{station}``, ``{member}``); ``describe`` may turn stored codes
into words at read time (a status into its label). The text is rendered in the reader's
active language, so the same row reads in Chinese on the phone and in English for a
developer (decision 120).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from liudong.core.registry import Registry


@dataclass(frozen=True)
class Kind:
    key: str
    title: str | Promise
    body: str | Promise = ""
    describe: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    order: int = 100


_KINDS: Registry[Kind] = Registry("notices")
register = _KINDS.register


def kind_for(key: str) -> Kind | None:
    for kind in _KINDS.items():
        if kind.key == key:
            return kind
    return None


def known(key: str) -> bool:
    return kind_for(key) is not None


class _Blank(dict):
    """Parameters for ``format_map``: a missing one reads as nothing, not an error."""

    def __missing__(self, key: str) -> str:
        return ""


def _fill(text: str | Promise, params: Mapping[str, Any]) -> str:
    try:
        return str(text).format_map(_Blank(params))
    except (ValueError, IndexError, AttributeError, KeyError):  # a broken translation
        return str(text)


def render(key: str, params: Mapping[str, Any]) -> tuple[str, str]:
    """``(title, body)`` of a notification, in the active language. A kind no app declares
    any more reads as its key."""
    kind = kind_for(key)
    if kind is None:
        return key, ""
    values = dict(params)
    if kind.describe is not None:
        values.update(kind.describe(values))
    return _fill(kind.title, values), _fill(kind.body, values) if kind.body else ""
