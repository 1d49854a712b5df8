"""The cache of the figures' answers: per language, scope and parameters, for a short time
and under a version every flow-record write bumps."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from liudong.analytics.figures.dashboard import dashboard
from liudong.analytics.figures.filters import FigureFilter
from liudong.core.cachekeys import page_key
from liudong.orgs.models import Organization

CACHE_VERSION_KEY = "analytics:version"


def cache_seconds() -> int:
    return int(getattr(settings, "LIUDONG_DASHBOARD_CACHE_SECONDS", 60))


def bump_version(**_kwargs: Any) -> None:
    """A ledger write: cached figures of the older version are no longer read."""
    try:
        cache.incr(CACHE_VERSION_KEY)
    except ValueError:
        cache.set(CACHE_VERSION_KEY, 2, None)


def cache_key(user: Any, *parts: Any) -> str:
    """The key of a cached answer: the language, the gate's key and the parameters
    (``core.cachekeys.page_key``), under the current version."""
    version = cache.get(CACHE_VERSION_KEY) or 1
    return page_key(f"analytics:{version}", user, *parts)


def cached(user: Any, parts: tuple[Any, ...], compute: Any) -> Any:
    """``compute()``'s JSON-ready answer, cached per language, scope and parameters for a
    short time (TTL, plus a version bumped by every flow-record write)."""
    key = cache_key(user, *parts)
    found = cache.get(key)
    if found is not None:
        return found
    value = compute()
    cache.set(key, value, cache_seconds())
    return value


def cached_dashboard(user: Any, org: Organization, flt: FigureFilter) -> dict[str, Any]:
    return cached(
        user,
        ("dashboard", org.pk, flt.params(), timezone.localdate().isoformat()),
        lambda: dashboard(user, org, flt).as_dict(),
    )
