"""Background tasks that survive a broker outage (decision 174).

:func:`enqueue` queues a Celery task once the current transaction commits, as
``transaction.on_commit(lambda: task.delay(...))`` did; when the broker (Redis) cannot be
reached, the task is kept in the database (:class:`~liudong.core.models.TaskOutbox`)
instead of failing the request that asked for it (its writes are committed already) and
being lost. :func:`flush` sends the kept tasks, oldest first: every minute by beat
(``liudong.flush_task_outbox``), by ``liudong flush_task_outbox`` for cron, and by the
process that kept one at its next successful send. A task is sent at least once: one
sent just before its row's delete failed is sent again by the next flush.

Without ``REDIS_URL`` tasks run in the process (eager) as before: nothing is kept.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import F

log = logging.getLogger("liudong.outbox")

_kept_here = [False]  # this process kept a task: flush after its next successful send


def _eager(task: Any) -> bool:
    return bool(task.app.conf.task_always_eager)


def enqueue(task: Any, *args: Any) -> None:
    """Send ``task(*args)`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: send(task, *args))


def send(task: Any, *args: Any) -> bool:
    """Send ``task(*args)`` to the broker now; False when it was kept for later."""
    if _eager(task):
        task.delay(*args)
        return True
    try:
        task.apply_async(args)
    except Exception as exc:  # the broker away (kombu's OperationalError, a socket error)
        keep(task.name, list(args), exc)
        return False
    if _kept_here[0]:
        _kept_here[0] = False
        try:
            flush()
        except Exception:  # the database or the broker gone again: the next flush
            log.warning("task outbox not flushed", exc_info=True)
    return True


def keep(name: str, args: list[Any], error: BaseException) -> None:
    from liudong.core.models import TaskOutbox

    TaskOutbox.objects.create(task=name, args=args, last_error=_describe(error))
    _kept_here[0] = True
    log.warning("task %s kept for the queue (broker unavailable: %s)", name, _describe(error))


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:200]


def flush(limit: int = 1000, app: Any = None) -> int:
    """Send up to ``limit`` kept tasks, oldest first; stop at the first the broker refuses.
    The number sent. Two flushes at once (two nodes' beat, a command) skip each other's
    rows on PostgreSQL (``SKIP LOCKED``). ``app``: the Celery app (the project's)."""
    from celery import current_app

    from liudong.core.models import TaskOutbox

    app = app or current_app

    sent: list[int] = []
    with transaction.atomic():
        rows = TaskOutbox.objects.select_for_update(skip_locked=True).order_by("pk")[:limit]
        for row in rows:
            try:
                app.send_task(row.task, args=row.args, kwargs=row.kwargs)
            except Exception as exc:
                TaskOutbox.objects.filter(pk=row.pk).update(
                    attempts=F("attempts") + 1, last_error=_describe(exc)
                )
                log.warning("task outbox: broker still unavailable (%s)", _describe(exc))
                break
            sent.append(row.pk)
        TaskOutbox.objects.filter(pk__in=sent).delete()
    if sent:
        log.warning("task outbox: %d kept task(s) sent", len(sent))
    return len(sent)
