"""Redis and PostgreSQL going away under a running app, and coming back (issue 16, item 4).

The app (gunicorn, one worker of two threads) runs on a private cluster and redis-server
(``conftest.world``). With Redis stopped: pages are served, a session made before the
outage and one made during it both work (sessions live in the database, decision 175),
a check-in whose notice queues an SMS task succeeds and the task is kept in the database,
then sent to the broker once Redis is back (decision 174). With PostgreSQL stopped: pages
answer a 503 page in the user's language and the API a 503 ``unavailable`` (decision 176);
once it is back every request succeeds, the check-in's prepared statements included,
with the same gunicorn worker (nothing restarted).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from typing import Any

from tests.faults.conftest import PASSWORD, World, needs_private_servers

pytestmark = needs_private_servers

CHECK_IN = "/api/v1/check-ins/"
STATION = "620800-ST05"


def _cookies(headers: Any, jar: dict[str, str]) -> dict[str, str]:
    for line in headers.get_all("Set-Cookie") or []:
        name, _, rest = line.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}


def sign_in(world: World) -> dict[str, str]:
    """The city administrator signs in through the form; the request headers to send."""
    jar: dict[str, str] = {}
    status, page, headers = world.app.fetch("/accounts/login/")
    sent = _cookies(headers, jar)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert status == 200 and token, page[-1500:]
    form = {"csrfmiddlewaretoken": token.group(1).decode(), "username": "city"}
    form["password"] = PASSWORD
    status, page, headers = world.app.fetch("/accounts/login/", data=form, headers=sent)
    assert status == 302, page[-1500:]
    return _cookies(headers, jar)


def signed_in_home(world: World, headers: dict[str, str]) -> tuple[int, bytes]:
    status, page, _ = world.app.fetch("/home/", headers=headers)
    return status, page


def check_in(world: World) -> tuple[int, Any]:
    status, body, _ = world.app.fetch(
        CHECK_IN,
        json_body={"station": STATION},
        headers={"Authorization": f"Token {world.token}", "Accept-Language": "zh-hans"},
    )
    return status, json.loads(body or b"null")


def kept_tasks(world: World) -> list[list[str]]:
    return world.pg.sql("SELECT task, args::text FROM core_taskoutbox ORDER BY id")


def worker_pids(world: World) -> set[int]:
    assert world.app.process is not None
    done = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(world.app.process.pid)],
        capture_output=True,
        text=True,
    )
    return {int(pid) for pid in done.stdout.split()}


def test_redis_stopped_pages_sessions_and_queued_tasks(world: World) -> None:
    before = sign_in(world)
    status, page = signed_in_home(world, before)
    assert status == 200, page[-500:]
    world.redis.command("DEL", "celery")  # what other tests queued

    world.redis.stop()
    started = time.monotonic()
    status, page = signed_in_home(world, before)
    assert status == 200, "the session made before the outage is kept: " + page[-800:].decode()
    assert b"accounts/logout" in page or b"logout" in page
    for path in ("/statistics/dashboard/", "/stations/", "/orgs/"):
        status, page, _ = world.app.fetch(path, headers=before)
        assert status == 200, (path, page[-800:])
    during = sign_in(world)  # a new session during the outage
    status, _page = signed_in_home(world, during)
    assert status == 200
    # A check-in tells the station's staff, by SMS too: the task cannot be queued.
    status, answer = check_in(world)
    assert status == 201, answer
    kept = kept_tasks(world)
    assert [task for task, _args in kept] == ["liudong.notifications.send_sms"], kept
    print(f"Redis away: 7 requests served in {time.monotonic() - started:.1f} s, 1 task kept")

    world.redis.start()  # a new, empty Redis: nothing of before the outage
    sent = world.app.liudong("flush_task_outbox")
    assert sent.strip().startswith("sent 1"), sent
    assert kept_tasks(world) == []
    queued = world.redis.list_items("celery")
    assert len(queued) == 1, queued
    message = json.loads(queued[0])
    assert message["headers"]["task"] == "liudong.notifications.send_sms"
    status, _page = signed_in_home(world, before)
    assert status == 200  # and the session still holds with Redis back


def test_postgres_restart_fails_cleanly_and_recovers_without_a_restart(world: World) -> None:
    headers = sign_in(world)
    # Each of the worker's two threads prepares the check-in's statements on its connection.
    for _ in range(4):
        status, answer = check_in(world)
        assert status in (200, 201), answer
    workers = worker_pids(world)
    assert len(workers) == 1

    world.pg.stop()
    try:
        status, page = signed_in_home(world, headers)
        assert status == 503, page[-800:]
        assert "服务暂时不可用".encode() in page and b"Traceback" not in page
        english = {**headers, "Cookie": headers["Cookie"] + "; liudong_language=en"}
        status, page, answer_headers = world.app.fetch("/home/", headers=english)
        assert status == 503 and b"Service temporarily unavailable" in page
        assert answer_headers["Retry-After"]
        status, answer = check_in(world)
        assert status == 503 and answer["code"] == "unavailable", answer
        assert "数据库" in answer["message"]
    finally:
        world.pg.start()

    # Back: every request succeeds at once, on both threads' connections, without a restart.
    results = [check_in(world) for _ in range(6)]
    assert [status for status, _ in results] == [200] * 6, results
    for _ in range(4):
        status, page = signed_in_home(world, headers)
        assert status == 200, page[-800:]

    # A restart between two requests: both threads' connections are cut while idle. The
    # first request on each is not refused either (the connection is checked, then made
    # again), the prepared statements made again on the new ones.
    world.pg.stop()
    world.pg.start()
    results = [check_in(world) for _ in range(6)]
    assert [status for status, _ in results] == [200] * 6, results
    for _ in range(4):
        status, page = signed_in_home(world, headers)
        assert status == 200, page[-800:]
    assert worker_pids(world) == workers  # the same worker served it all
    print("PostgreSQL away: 3 requests answered 503; back: 20 requests served, 0 refused")
