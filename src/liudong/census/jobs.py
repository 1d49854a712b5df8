"""Where census jobs run: a Celery worker when a broker is configured; otherwise a thread
of this process, so the page still shows progress and can cancel; inline when
``LIUDONG_CENSUS_INLINE`` is set (tests, the command line)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, connection, transaction

from liudong.census import actions, tasks
from liudong.core import outbox

log = logging.getLogger(__name__)


def mode() -> str:
    if getattr(settings, "LIUDONG_CENSUS_INLINE", False):
        return "inline"
    if not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", True):
        return "celery"
    return "thread"


def _in_thread(work: Callable[[int], object], pk: int) -> None:
    def run() -> None:
        close_old_connections()
        try:
            work(pk)
        except Exception:  # the job records its own failure; never kill the process
            log.exception("census job %s failed", pk)
        finally:
            connection.close()

    threading.Thread(target=run, name=f"census-{pk}", daemon=True).start()


def _start(work: Callable[[int], object], task: object, pk: int) -> None:
    how = mode()
    if how == "inline":
        work(pk)
    elif how == "celery":
        outbox.enqueue(task, pk)  # kept in the database while the broker is away
    else:
        transaction.on_commit(lambda: _in_thread(work, pk))


def start_dry_run(pk: int) -> None:
    _start(actions.run_dry_run, tasks.dry_run, pk)


def start_commit(pk: int) -> None:
    _start(actions.run_commit, tasks.commit, pk)
