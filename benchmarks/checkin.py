"""Benchmark: the check-in API under load, against a trivial JSON view on the same server.

    python benchmarks/checkin.py [--members N] [--seconds S] [--users U] [--quick]

Builds its own database (PostgreSQL from DATABASE_URL, else the local one at
127.0.0.1:5432, else SQLite; it says which) with places, the demo tree and stations and N
members with an open (registered) flow record, an account and an API token each. Starts
the app under gunicorn (2 workers) and drives it with wrk (``apt-get install wrk``): U
concurrent connections for S seconds on ``/healthz`` (the limit: the same middleware,
a JSON answer and one query), then S seconds of ``POST /api/v1/check-ins/`` where every
request signs in with a random member's token and checks in at a station (first requests
create check-ins, later ones for the same member return the existing one: both paths).
Counts duplicate check-ins with SQL afterwards. The last line is one JSON object.
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
local lines = {}
local n = 0
init = function(args)
  for line in io.lines(args[1]) do n = n + 1; lines[n] = line end
  math.randomseed(os.time() + tonumber(string.sub(tostring({}), -6), 16))
end
request = function()
  local i = math.random(n)
  local token, station = lines[i]:match("(%S+) (%S+)")
  return wrk.format("POST", "/api/v1/check-ins/",
    {["Content-Type"] = "application/json", ["Authorization"] = "Token " .. token},
    '{"station": "' .. station .. '"}')
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


def start_server(port: int, env: dict[str, str]) -> subprocess.Popen:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    process = subprocess.Popen(
        [
            gunicorn, "liudong.wsgi:application", "--workers", "2", "--bind",
            f"127.0.0.1:{port}", "--log-level", "warning", "--backlog", "256",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )  # fmt: skip
    import urllib.request

    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def wrk(url: str, seconds: int, users: int, script: Path | None, tokens: Path | None) -> dict:
    command = [
        "wrk",
        "-t",
        "2",
        "-c",
        str(users),
        "-d",
        f"{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    if script is not None:
        command += ["-s", str(script), url, "--", str(tokens)]
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
    return {
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
    parser.add_argument("--members", type=int, default=20_000, help="members (20,000)")
    parser.add_argument("--seconds", type=int, default=30, help="seconds of load each (30)")
    parser.add_argument("--users", type=int, default=50, help="concurrent connections (50)")
    parser.add_argument("--quick", action="store_true", help="2,000 members, 5 s: a smoke test")
    args = parser.parse_args()
    if args.quick:
        args.members, args.seconds = 2_000, 5
    if shutil.which("wrk") is None:
        say("wrk is not installed: apt-get install wrk (Debian), then run again.")
        return 2

    tmp = Path(tempfile.mkdtemp(prefix="liudong-bench-"))
    os.environ["LIUDONG_VAR_DIR"] = str(tmp)
    url, vendor, drop = choose_database(tmp)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "liudong.settings"
    import django

    django.setup()
    from django.db import connections

    say(f"Check-in benchmark: {args.members} members on {vendor}, gunicorn 2 workers, wrk "
        f"{args.users} connections × {args.seconds} s, {machine()}")  # fmt: skip
    server = None
    try:
        started = time.perf_counter()
        build(args.members)
        say(f"  data built in {time.perf_counter() - started:.1f} s")
        from rest_framework.authtoken.models import Token

        tokens = tmp / "tokens.txt"
        keys = list(Token.objects.values_list("key", flat=True))
        tokens.write_text(
            "\n".join(f"{k} {STATIONS[i % len(STATIONS)]}" for i, k in enumerate(keys)) + "\n"
        )
        script = tmp / "checkin.lua"
        script.write_text(LUA)
        connections.close_all()
        port = free_port()
        env = os.environ | {"DEBUG": "0", "LIUDONG_LOG_LEVEL": "ERROR"}
        server = start_server(port, env)
        base = f"http://127.0.0.1:{port}"
        wrk(f"{base}/healthz", 2, 10, None, None)  # warm up both workers
        wrk(f"{base}/", 2, 10, script, tokens)
        limit = wrk(f"{base}/healthz", args.seconds, args.users, None, None)
        say(f"  limit  GET /healthz: {limit['rps']} req/s, p50 {limit['p50_ms']} ms, "
            f"p99 {limit['p99_ms']} ms, errors {limit['errors']}")  # fmt: skip
        ours = wrk(f"{base}/", args.seconds, args.users, script, tokens)
        say(f"  ours   POST /api/v1/check-ins/: {ours['rps']} req/s, p50 {ours['p50_ms']} ms, "
            f"p99 {ours['p99_ms']} ms, errors {ours['errors']}")  # fmt: skip
        rows, dupes, flows = duplicates()
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
        connections.close_all()
        drop()
        shutil.rmtree(tmp, ignore_errors=True)
    ratio = round(ours["rps"] / limit["rps"], 2) if limit["rps"] else 0.0
    passed = ratio >= 0.5 and ours["p99_ms"] <= 150 and ours["errors"] == 0 and dupes == 0
    say(f"  check-ins written: {rows} for {flows} members; duplicates: {dupes}")
    say(f"  ratio {ratio} (target {TARGET}): {'pass' if passed else 'FAIL'}")
    print(json.dumps({
        "benchmark": "checkin", "db": vendor, "members": args.members, "users": args.users,
        "seconds": args.seconds, "rps": ours["rps"], "limit_rps": limit["rps"], "ratio": ratio,
        "p50_ms": ours["p50_ms"], "p99_ms": ours["p99_ms"], "errors": ours["errors"],
        "duplicates": dupes, "limit_p50_ms": limit["p50_ms"], "limit_p99_ms": limit["p99_ms"],
        "requests": ours["requests"], "check_ins": rows, "target": TARGET, "pass": passed,
    }, ensure_ascii=False))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
