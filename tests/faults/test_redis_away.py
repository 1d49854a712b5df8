"""The cache and the task outbox against a private redis-server stopped and started again
(decisions 173, 174). In both CI passes: a few seconds, no app server.

``test_outages.py`` proves the same through the running app (PostgreSQL pass); these prove
each piece on its own: the cache answering as a miss, the write missed during an outage
not hidden by the value of before, a task kept in the database and sent once Redis is back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from celery import Celery

from liudong.core import outbox
from liudong.core.models import TaskOutbox
from liudong.core.resilient_cache import ResilientRedisCache
from tests.faults.servers import PrivateRedis
from tests.processes import free_port


@pytest.fixture
def redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def cache_at(url: str) -> ResilientRedisCache:
    options = {"socket_connect_timeout": 0.5, "socket_timeout": 1}
    return ResilientRedisCache(url, {"OPTIONS": options, "KEY_PREFIX": "faults"})


def test_with_no_redis_the_cache_answers_as_a_miss(settings: Any) -> None:
    settings.LIUDONG_CACHE_RETRY_SECONDS = 0
    cache = cache_at(f"redis://127.0.0.1:{free_port()}/0")  # nobody listens there
    cache.set("k", 1)
    assert cache.get("k", "default") == "default"
    assert cache.add("k", 1) is False and cache.delete("k") is False
    assert cache.get_many(["k", "j"]) == {} and cache.has_key("k") is False
    assert cache.set_many({"a": 1}) == ["a"]
    with pytest.raises(ValueError):
        cache.incr("k")


def test_a_write_missed_during_an_outage_is_not_hidden_by_the_old_value(
    redis: PrivateRedis, settings: Any, monkeypatch: Any
) -> None:
    from django.core.cache.backends.redis import RedisCache
    from redis.exceptions import ConnectionError as RedisConnectionError

    settings.LIUDONG_CACHE_RETRY_SECONDS = 0
    cache = cache_at(redis.url())
    cache.set("version", "before")
    assert cache.get("version") == "before"

    def away(*args: Any, **kwargs: Any) -> None:
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(RedisCache, "set", away)  # Redis unreachable for this write
    cache.set("version", "during")  # lost: Redis still holds "before"
    monkeypatch.undo()
    assert redis.command("GET", cache.make_key("version")) is not None
    # Back: the key of the missed write is deleted first, then read (a miss, not "before").
    assert cache.get("version") is None
    assert cache.get("version", "recomputed") == "recomputed"


def test_a_task_the_broker_cannot_take_is_kept_then_sent_when_redis_returns(
    redis: PrivateRedis, db: Any
) -> None:
    app = Celery("faults", broker=redis.url(), set_as_current=False)
    app.conf.update(
        task_always_eager=False,
        broker_connection_timeout=1,
        broker_connection_retry=False,
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.1},
    )

    @app.task(name="faults.count")
    def count(ids: list[int]) -> int:  # never runs here: only queued
        return len(ids)

    assert outbox.send(count, [1, 2])  # Redis up: queued at once
    assert len(redis.list_items("celery")) == 1 and not TaskOutbox.objects.exists()
    redis.command("DEL", "celery")

    redis.stop()
    assert outbox.send(count, [3]) is False  # kept, the caller not failed
    assert outbox.send(count, [4]) is False
    kept = list(TaskOutbox.objects.values_list("task", "args"))
    assert kept == [("faults.count", [[3]]), ("faults.count", [[4]])]
    assert outbox.flush(app=app) == 0  # still away: nothing sent, nothing lost
    assert TaskOutbox.objects.count() == 2
    assert TaskOutbox.objects.first().attempts == 1

    redis.start()
    assert outbox.flush(app=app) == 2
    assert not TaskOutbox.objects.exists()
    queued = [json.loads(item) for item in redis.list_items("celery")]
    assert [m["headers"]["task"] for m in queued] == ["faults.count", "faults.count"]
    assert sorted(m["headers"]["argsrepr"] for m in queued) == ["[[3]]", "[[4]]"]
