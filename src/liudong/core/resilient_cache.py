"""Django's Redis cache, answering as an empty cache while Redis is away (decision 173).

Everything the platform keeps in the cache can be computed again (dashboard figures, the
places' and code tables' versions, a census job's progress), so a Redis outage should make
pages slower, not fail them. :class:`ResilientRedisCache` is Django's ``RedisCache`` whose
every call that cannot reach Redis answers as a miss (``get`` its default, ``add`` False,
``incr`` the missing key's ``ValueError``) and logs one warning per outage. After a failure
it does not try Redis again for ``LIUDONG_CACHE_RETRY_SECONDS`` (5): a page then costs no
connection attempt per cache call.

A write that did not reach Redis (a set, a delete, a version bump) would leave the value of
before the outage in place once Redis is back; the keys of such writes are remembered
(at most ``MAX_PENDING``) and deleted at the first call that reaches Redis again, so a
change made during the outage is not hidden by an old entry (this process's writes; the
entries of others expire with their timeouts).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("liudong.cache")

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
MAX_PENDING = 10_000


class ResilientRedisCache(RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._down_until = 0.0
        self._down = False
        self._pending: set[str] = set()

    # --- the guard ---------------------------------------------------------------------------

    def _retry_seconds(self) -> float:
        return float(getattr(settings, "LIUDONG_CACHE_RETRY_SECONDS", 5))

    def available(self) -> bool:
        """Whether this process currently counts Redis as reachable."""
        return time.monotonic() >= self._down_until

    def _call(self, fallback: Any, call: Callable[[], Any], keys: Iterable[str] = ()) -> Any:
        if not self.available():
            self._remember(keys)
            return fallback
        try:
            if self._pending:
                self._forget_pending()
            result = call()
        except UNREACHABLE as exc:
            self._remember(keys)
            self._down_until = time.monotonic() + self._retry_seconds()
            if not self._down:
                self._down = True
                log.warning("cache unavailable, pages go on without it: %s", type(exc).__name__)
            return fallback
        if self._down:
            self._down = False
            log.warning("cache reachable again")
        return result

    def _remember(self, keys: Iterable[str]) -> None:
        for key in keys:
            if len(self._pending) >= MAX_PENDING:
                break
            self._pending.add(key)

    def _forget_pending(self) -> None:
        doomed = list(self._pending)
        self._cache.delete_many(doomed)  # raises while Redis is away: the caller's guard
        self._pending.difference_update(doomed)

    def _key(self, key: Any, version: int | None) -> str:
        return self.make_and_validate_key(key, version=version)

    # --- Django's cache API ------------------------------------------------------------------

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        made = self._key(key, version)
        return self._call(False, lambda: RedisCache.add(self, key, value, timeout, version), [made])

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._call(default, lambda: RedisCache.get(self, key, default, version))

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        made = self._key(key, version)
        self._call(None, lambda: RedisCache.set(self, key, value, timeout, version), [made])

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._call(False, lambda: RedisCache.touch(self, key, timeout, version))

    def delete(self, key: Any, version: Any = None) -> Any:
        made = self._key(key, version)
        return self._call(False, lambda: RedisCache.delete(self, key, version), [made])

    def get_many(self, keys: Any, version: Any = None) -> Any:
        return self._call({}, lambda: RedisCache.get_many(self, keys, version))

    def has_key(self, key: Any, version: Any = None) -> Any:
        return self._call(False, lambda: RedisCache.has_key(self, key, version))

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> Any:
        missing = object()
        made = self._key(key, version)
        found = self._call(missing, lambda: RedisCache.incr(self, key, delta, version), [made])
        if found is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable)")
        return found

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        made = [self._key(key, version) for key in data]
        return self._call(
            list(data), lambda: RedisCache.set_many(self, data, timeout, version), made
        )

    def delete_many(self, keys: Any, version: Any = None) -> None:
        keys = list(keys)
        made = [self._key(key, version) for key in keys]
        self._call(None, lambda: RedisCache.delete_many(self, keys, version), made)

    def clear(self) -> Any:
        return self._call(False, lambda: RedisCache.clear(self))
