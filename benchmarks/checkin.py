"""Benchmark: the check-in API under load, against its hand-written limit on the same server.

    python benchmarks/checkin.py [--members N] [--seconds S] [--rounds R] [--users U]
                                 [--threads T] [--taps P] [--quick]

Builds its own database (PostgreSQL from DATABASE_URL, else the local one at
127.0.0.1:5432, else SQLite; it says which) with places, the demo tree and stations and N
members with an open (registered) flow record, an account and an API token each. Starts
the app under gunicorn with the production settings (``liudong.gunicorn_conf``: 2 workers,
``gthread``, T threads each; ``benchmarks/checkin_settings.py`` only adds the limit's URL)
and drives it with wrk (``apt-get install wrk``, one thread: it shares the cores) from U
kept-alive connections.

The limit (``benchmarks/checkin_limit.py``) is what a check-in must do at least, by hand:
resolve the member from the token, read the member's open record and the station, insert
the check-in row and its audit row, commit: one transaction, the fewest statements (one
prepared statement on PostgreSQL), through the same middleware. ``GET /healthz`` (the same
middleware, one ``SELECT 1``) is measured once beside it as ``trivial_rps``, for reference.
Then R rounds of S seconds of the limit and S seconds of ``POST /api/v1/check-ins/``
alternate (A B A B), each round on members nobody has used yet; ``rps`` and ``limit_rps``
are the means over the rounds, ``p50_ms``/``p99_ms`` the worst round's. Requests take members
in turn, one token each, so the U requests in flight are U different members; a share P of
requests repeat the previous member's request at once (a double tap: both in flight
together, the idempotent path). Counts answers by status (201 new, 200 the existing
check-in) and duplicate check-ins with SQL afterwards. The last line is one JSON object.
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

TARGET = "ratio >= 0.8 and p99_ms <= 100 at 50 users, 0 errors, 0 duplicates"
STATIONS = ["620800-ST04", "620800-ST05", "620800-ST06"]  # 西安 莲湖, 雁塔, 未央

LUA = r"""
-- Members in turn (one token each), a share of double taps, answers counted by status.
local lines, n, i, taps, url_path = {}, 0, 0, 0, nil
local last = nil
init = function(args)
  for line in io.lines(args[1]) do n = n + 1; lines[n] = line end
  taps = tonumber(args[2])
  url_path = args[3]
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
  return wrk.format("POST", url_path,
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


def start_server(
    port: int,
    env: dict[str, str],
    threads: int,
    workers: int = 2,
    settings_module: str = "checkin_settings",
) -> subprocess.Popen:
    """gunicorn with the production settings file, ``workers`` workers of ``threads``
    threads; ``settings_module`` the product's settings and URLs, by default with the
    check-in limit's URL in front (``benchmarks/soak.py`` gives ``liudong.settings``)."""
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    env = env | {
        "LIUDONG_BIND": f"127.0.0.1:{port}",
        "LIUDONG_WEB_WORKERS": str(workers),
        "LIUDONG_WEB_THREADS": str(threads),
        "LIUDONG_GUNICORN_LOG_LEVEL": "warning",
        "DJANGO_SETTINGS_MODULE": settings_module,
        "PYTHONPATH": os.pathsep.join(
            [str(HERE), str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])]
        ),
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
    # Enough members for every round of both sides at about 1,000 check-ins/s: once a
    # side's members have all checked in, further requests are repeats (cheaper), and the
    # mix is no longer the one measured.
    parser.add_argument("--members", type=int, default=80_000, help="members (80,000)")
    parser.add_argument("--seconds", type=int, default=15, help="seconds of each run (15)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of limit, ours (2)")
    parser.add_argument("--users", type=int, default=50, help="concurrent connections (50)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    parser.add_argument("--taps", type=float, default=0.1, help="share of double taps (0.1)")
    parser.add_argument("--quick", action="store_true", help="4,000 members, 3 s: a smoke test")
    args = parser.parse_args()
    if args.quick:
        args.members, args.seconds = 4_000, 3
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
        f"{args.threads} threads (gthread), wrk 1 thread, {args.users} connections, "
        f"{args.rounds} rounds × {args.seconds} s each side, double taps {args.taps:.0%}, "
        f"{machine()}, load average {load:.2f} at start")  # fmt: skip
    server = None
    limits: list[dict[str, Any]] = []
    runs: list[dict[str, Any]] = []
    try:
        started = time.perf_counter()
        build(args.members)
        say(f"  data built in {time.perf_counter() - started:.1f} s")
        from rest_framework.authtoken.models import Token

        keys = list(Token.objects.order_by("user_id").values_list("key", flat=True))
        lines = [f"{k} {STATIONS[i % len(STATIONS)]}" for i, k in enumerate(keys)]
        warm = min(500, len(lines) // 20)  # members used up by each warm-up, not measured
        slices = 2 * args.rounds
        share = (len(lines) - 2 * warm) // slices  # each run's own members
        files = []
        for i, chunk in enumerate(
            [lines[:warm], lines[warm : 2 * warm]]
            + [lines[2 * warm + j * share : 2 * warm + (j + 1) * share] for j in range(slices)]
        ):
            files.append(tmp / f"tokens{i}.txt")
            files[-1].write_text("\n".join(chunk) + "\n")
        script = tmp / "checkin.lua"
        script.write_text(LUA)
        connections.close_all()
        port = free_port()
        env = os.environ | {"DEBUG": "0", "LIUDONG_LOG_LEVEL": "ERROR"}
        server = start_server(port, env, args.threads)
        base = f"http://127.0.0.1:{port}"
        ours_path, limit_path = "/api/v1/check-ins/", "/bench/check-in-limit/"
        wrk(f"{base}/healthz", 2, 10)  # warm up both workers and their threads
        wrk(f"{base}/", 2, 10, script, str(files[0]), "0", limit_path)
        wrk(f"{base}/", 2, 10, script, str(files[1]), "0", ours_path)
        trivial = wrk(f"{base}/healthz", args.seconds, args.users)
        say(f"  trivial GET /healthz: {trivial['rps']} req/s, p50 {trivial['p50_ms']} ms, "
            f"p99 {trivial['p99_ms']} ms, errors {trivial['errors']}")  # fmt: skip
        for r in range(args.rounds):
            taps = str(args.taps)
            load_run = (f"{base}/", args.seconds, args.users, script)
            limits.append(wrk(*load_run, str(files[2 + 2 * r]), taps, limit_path))
            runs.append(wrk(*load_run, str(files[3 + 2 * r]), taps, ours_path))
            for name, got in (("limit", limits[-1]), ("ours ", runs[-1])):
                answers = ", ".join(f"{k}: {v}" for k, v in sorted(got["statuses"].items()))
                say(f"  round {r + 1} {name}: {got['rps']} req/s, p50 {got['p50_ms']} ms, "
                    f"p99 {got['p99_ms']} ms, errors {got['errors']} ({answers})")  # fmt: skip
        rows, dupes, flows = duplicates()
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        connections.close_all()
        drop()
        shutil.rmtree(tmp, ignore_errors=True)

    def mean(values: list[float]) -> float:
        return round(sum(values) / len(values), 1)

    rps, limit_rps = mean([r["rps"] for r in runs]), mean([r["rps"] for r in limits])
    p50, p99 = max(r["p50_ms"] for r in runs), max(r["p99_ms"] for r in runs)
    errors = sum(r["errors"] for r in runs)
    ratio = round(rps / limit_rps, 2) if limit_rps else 0.0
    passed = ratio >= 0.8 and p99 <= 100 and errors == 0 and dupes == 0
    created = sum(r["statuses"].get(201, 0) for r in runs)
    say(f"  ours {rps} req/s against the limit's {limit_rps} (trivial view {trivial['rps']})")
    say(f"  check-ins written (both sides): {rows} for {flows} members; duplicates: {dupes}")
    if created + sum(r["statuses"].get(201, 0) for r in limits) >= share * slices:
        say("  note: a run used up its members, so later requests repeated earlier ones (200, a "
            "cheaper answer): run again with more --members")  # fmt: skip
    say(f"  ratio {ratio} (target {TARGET}): {'pass' if passed else 'FAIL'}")
    print(json.dumps({
        "benchmark": "checkin", "db": vendor, "members": args.members, "users": args.users,
        "seconds": args.seconds, "rounds": args.rounds, "threads": args.threads,
        "taps": args.taps, "rps": rps, "limit_rps": limit_rps, "ratio": ratio,
        "p50_ms": p50, "p99_ms": p99, "errors": errors, "duplicates": dupes,
        "trivial_rps": trivial["rps"], "rounds_rps": [r["rps"] for r in runs],
        "rounds_limit_rps": [r["rps"] for r in limits],
        "limit_p99_ms": max(r["p99_ms"] for r in limits),
        "limit_errors": sum(r["errors"] for r in limits),
        "requests": sum(r["requests"] for r in runs), "created": created,
        "repeated": sum(r["statuses"].get(200, 0) for r in runs), "check_ins": rows,
        "load_average": round(load, 2), "target": TARGET, "pass": passed,
    }, ensure_ascii=False))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
