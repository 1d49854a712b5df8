"""Registries other apps add to without the owner importing them.

An app puts a module of the registry's name beside its models (``cards.py``, ``panels.py``,
``attention.py``) that calls :meth:`Registry.register` at import time; the registry imports
every installed app's module of that name on first use (``autodiscover_modules``). Items are
kept by key (registering a key again replaces it) and listed by ``(order, key)``.
"""

from __future__ import annotations

import threading
from typing import Any, Generic, Protocol, TypeVar

from django.utils.module_loading import autodiscover_modules


class Keyed(Protocol):
    key: str
    order: int


T = TypeVar("T", bound=Keyed)


class Registry(Generic[T]):
    def __init__(self, module: str) -> None:
        self.module = module
        self._items: dict[str, T] = {}
        self._loaded = threading.Event()
        self._lock = threading.Lock()

    def register(self, item: T) -> T:
        """Add (or replace, by key) an item. Call at import time of the app's module."""
        self._items[item.key] = item
        return item

    def unregister(self, key: str) -> Any:
        return self._items.pop(key, None)

    def items(self) -> list[T]:
        """Every item, the apps' modules imported first, in ``(order, key)`` order."""
        if not self._loaded.is_set():
            with self._lock:
                if not self._loaded.is_set():
                    autodiscover_modules(self.module)
                    self._loaded.set()
        return sorted(self._items.values(), key=lambda item: (item.order, item.key))
