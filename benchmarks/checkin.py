"""Benchmark: the check-in API under load, against a trivial JSON view on the same server.

    python benchmarks/checkin.py [--members N] [--seconds S] [--users U] [--threads T]
                                 [--taps P] [--quick]

Builds its own database (PostgreSQL from DATABASE_URL, else the local one at
127.0.0.1:5432, else SQLite; it says which) with places, the demo tree and stations and N
members with an open (registered) flow record, an account and an API token each. Starts
the app under gunicorn with the production settings (``liudong.gunicorn_conf``: 2 workers,
``gthread``, T threads each) and drives it with wrk (``apt-get install wrk``, one thread: it
shares the cores) from U kept-alive connections: S seconds on ``/healthz`` (the limit: the
same middleware, a JSON answer and one query), then S seconds of
``POST /api/v1/check-ins/``. Requests take members in turn, one token each, so the U
requests in flight are U different members; a share P of requests repeat the previous
member's request at once (a double tap: both in flight together, the idempotent path).
Counts answers by status (201 new, 200 the existing check-in) and duplicate check-ins with
SQL afterwards. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

from ledger import choose_database, machine, say  # noqa: E402

TARGET = "ratio >= 0.5 and p99_ms <= 150 at 50 users, 0 errors, 0 duplicates"
STATIONS = ["620800-ST04", "620800-ST05", "620800-ST06"]  # 西安 莲湖, 雁塔, 未央

LUA = r"""
-- Members in turn (one token each), a share of double taps, answers counted by status.
local lines, n, i, taps = {}, 0, 0, 0
local last = nil
init = function(args)
  for line in io.lines(args[1]) do n = n + 1; lines[n] = line end
  taps = tonumber(args[2])
  math.randomseed(1)
end
request = function()
  local line
  if last ~= nil and math.random() < taps then
    line = last  -- the same member again while the first request is still in flight
    last = nil
  else
    i = i % n + 1
    line = lines[i]
    last = line
  end
  local token, station = line:match("(%S+) (%S+)")
  return wrk.format("POST", "/api/v1/check-ins/",
    {["Content-Type"] = "application/json", ["Authorization"] = "Token " .. token},
    '{"station": "' .. station .. '"}')
end
counts = {}  -- a global: the main thread reads it with thread:get after the run
response = function(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("counts")) do
      io.write(string.format("status %d: %d\n", status, count))
    end
  end
end
"""


def build(members: int) -> None:
    """Places, the demo tree with its stations, and N members ready to check in."""
    import datetime

    from django.core.management import call_command
    from django.db import transaction
    from rest_framework.authtoken.models import Token

    from liudong.accounts.models import Role, User
    from liudong.demo import tree
    from liudong.members.models import FlowRecord, Member
    from liudong.orgs.models import Organization

    call_command("migrate", verbosity=0)
    call_command("load_places", verbosity=0)
    call_command("load_codes", verbosity=0)
    tree.build()
    branches = list(Organization.objects.filter(kind="branch").order_by("code")[:60])
    today = datetime.date.today()
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    username=f"bench{i:06d}",
                    role=Role.MEMBER,
                    organization=branches[i % len(branches)],
                    password="!",
                )
                for i in range(members)
            ],
            batch_size=2000,
        )
        rows = []
        for i, user in enumerate(users):
            branch = branches[i % len(branches)]
            rows.append(
                Member(
                    name=f"压测{i:06d}",
                    sex="1",
                    ethnicity="01",
                    birth_date=datetime.date(1980 + i % 20, 1 + i % 12, 1 + i % 28),
                    id_number=f"bench{i}",
                    id_number_index=f"bench-{i:06d}",
                    id_number_masked="620821********0000",
                    phone="",
                    membership="full",
                    home_organization=branch,
                    home_place_id=branch.place_id,
                    user=user,
                )
            )
        members_made = Member.objects.bulk_create(rows, batch_size=2000)
        FlowRecord.objects.bulk_create(
            [
                FlowRecord(
                    member=m,
                    direction="outflow",
                    flow_scope="out_of_province",
                    origin_place_id=m.home_place_id,
                    destination_place_id="610113",
                    reason="work",
                    left_on=today - datetime.timedelta(days=100),
                    home_organization_id=m.home_organization_id,
                    status="registered",
                    status_changed_on=today,
                )
                for m in members_made
            ],
            batch_size=2000,
        )
        Token.objects.bulk_create(
            [Token(key=secrets.token_hex(20), user=u) for u in users], batch_size=2000
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, env: dict[str, str], threads: int) -> subprocess.Popen:
    """gunicorn with the production settings file, 2 workers of ``threads`` threads."""
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    env = env | {
        "LIUDONG_BIND": f"127.0.0.1:{port}",
        "LIUDONG_WEB_WORKERS": "2",
        "LIUDONG_WEB_THREADS": str(threads),
        "LIUDONG_GUNICORN_LOG_LEVEL": "warning",
    }
    process = subprocess.Popen(
        [gunicorn, "-c", "python:liudong.gunicorn_conf", "liudong.wsgi:application"],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    import urllib.request

    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def wrk(url: str, seconds: int, users: int, script: Path | None = None, *args: str) -> dict:
    """One wrk run (one thread: wrk shares the two cores with the server and PostgreSQL)."""
    command = ["wrk", "-t1", f"-c{users}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script is not None:
        command += ["-s", str(script), url, "--", *args]
    else:
        command.append(url)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(out: str) -> dict[str, Any]:
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))

    def ms(text: str) -> float:
        number, unit = re.match(r"([\d.]+)(\w+)", text).groups()
        return round(_ms(number, unit), 1)

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(x) for x in socket_errors.groups())
    statuses = {int(k): int(v) for k, v in re.findall(r"^status (\d+): (\d+)", out, re.M)}
    return {
        "statuses": statuses,
        "rps": round(rps, 1),
        "p50_ms": ms(latency["50"]),
        "p99_ms": ms(latency["99"]),
        "requests": total,
        "errors": errors,
    }


def duplicates() -> tuple[int, int, int]:
    """(check-in rows, flow records with more than one check-in, members who checked in)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(DISTINCT flow_id) FROM stations_checkin")
        rows, flows = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM (SELECT flow_id FROM stations_checkin GROUP BY flow_id "
            "HAVING count(*) > 1) AS d"
        )
        (dupes,) = cursor.fetchone()
    return rows, dupes, flows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # Enough members for 30 s at about 1,000 check-ins/s: once every member has checked
    # in, further requests are repeats (cheaper), and the mix is no longer the one measured.
    parser.add_argument("--members", type=int, default=40_000, help="members (40,000)")
    parser.add_argument("--seconds", type=int, default=30, help="seconds of load each (30)")
    parser.add_argument("--users", type=int, default=50, help="concurrent connections (50)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    parser.add_argument("--taps", type=float, default=0.1, help="share of double taps (0.1)")
    parser.add_argument("--quick", action="store_true", help="2,000 members, 5 s: a smoke test")
    args = parser.parse_args()
    if args.quick:
        args.members, args.seconds = 2_000, 5
    if shutil.which("wrk") is None:
        say("wrk is not installed: apt-get install wrk (Debian, or `make bench-deps`), then run "
            "again.")  # fmt: skip
        return 2

    tmp = Path(tempfile.mkdtemp(prefix="liudong-bench-"))
    os.environ["LIUDONG_VAR_DIR"] = str(tmp)
    url, vendor, drop = choose_database(tmp)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "liudong.settings"
    import django

    django.setup()
    from django.db import connections

    load = os.getloadavg()[0]
    say(f"Check-in benchmark: {args.members} members on {vendor}, gunicorn 2 workers × "
        f"{args.threads} threads (gthread), wrk 1 thread, {args.users} connections × "
        f"{args.seconds} s, double taps {args.taps:.0%}, {machine()}, load average "
        f"{load:.2f} at start")  # fmt: skip
    server = None
    try:
        started = time.perf_counter()
        build(args.members)
        say(f"  data built in {time.perf_counter() - started:.1f} s")
        from rest_framework.authtoken.models import Token

        keys = list(Token.objects.order_by("user_id").values_list("key", flat=True))
        lines = [f"{k} {STATIONS[i % len(STATIONS)]}" for i, k in enumerate(keys)]
        warm = min(500, len(lines) // 10)  # members used up by the warm-up, not measured
        warm_tokens, tokens = tmp / "warm.txt", tmp / "tokens.txt"
        warm_tokens.write_text("\n".join(lines[:warm]) + "\n")
        tokens.write_text("\n".join(lines[warm:]) + "\n")
        script = tmp / "checkin.lua"
        script.write_text(LUA)
        connections.close_all()
        port = free_port()
        env = os.environ | {"DEBUG": "0", "LIUDONG_LOG_LEVEL": "ERROR"}
        server = start_server(port, env, args.threads)
        base = f"http://127.0.0.1:{port}"
        wrk(f"{base}/healthz", 2, 10)  # warm up both workers and their threads
        wrk(f"{base}/", 2, 10, script, str(warm_tokens), "0")
        limit = wrk(f"{base}/healthz", args.seconds, args.users)
        say(f"  limit  GET /healthz: {limit['rps']} req/s, p50 {limit['p50_ms']} ms, "
            f"p99 {limit['p99_ms']} ms, errors {limit['errors']}")  # fmt: skip
        ours = wrk(f"{base}/", args.seconds, args.users, script, str(tokens), str(args.taps))
        say(f"  ours   POST /api/v1/check-ins/: {ours['rps']} req/s, p50 {ours['p50_ms']} ms, "
            f"p99 {ours['p99_ms']} ms, errors {ours['errors']}")  # fmt: skip
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(ours["statuses"].items()))
        say(f"  answers by status: {answers} (201 new, 200 the existing check-in)")
        rows, dupes, flows = duplicates()
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        connections.close_all()
        drop()
        shutil.rmtree(tmp, ignore_errors=True)
    ratio = round(ours["rps"] / limit["rps"], 2) if limit["rps"] else 0.0
    passed = ratio >= 0.5 and ours["p99_ms"] <= 150 and ours["errors"] == 0 and dupes == 0
    say(f"  check-ins written: {rows} for {flows} members; duplicates: {dupes}")
    if flows >= args.members:
        say("  note: every member checked in, so later requests repeated earlier ones (200, a "
            "cheaper answer): run again with more --members")  # fmt: skip
    say(f"  ratio {ratio} (target {TARGET}): {'pass' if passed else 'FAIL'}")
    print(json.dumps({
        "benchmark": "checkin", "db": vendor, "members": args.members, "users": args.users,
        "seconds": args.seconds, "threads": args.threads, "taps": args.taps,
        "rps": ours["rps"], "limit_rps": limit["rps"], "ratio": ratio,
        "p50_ms": ours["p50_ms"], "p99_ms": ours["p99_ms"], "errors": ours["errors"],
        "duplicates": dupes, "limit_p50_ms": limit["p50_ms"], "limit_p99_ms": limit["p99_ms"],
        "requests": ours["requests"], "created": ours["statuses"].get(201, 0),
        "repeated": ours["statuses"].get(200, 0), "check_ins": rows,
        "load_average": round(load, 2), "target": TARGET, "pass": passed,
    }, ensure_ascii=False))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
