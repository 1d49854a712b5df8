"""Load and soak: a realistic mix of users against gunicorn for a bounded time, then every
write the clients saw accepted looked for in the database.

    python benchmarks/soak.py [--users U] [--seconds S] [--demo-members N | --generated N]
                              [--wait W] [--resend P] [--workers K] [--threads T] [--quick]

Builds its own database (PostgreSQL from DATABASE_URL, else the local one at 127.0.0.1:5432,
else SQLite; it says which; created and dropped by the script) with the demo
(``load_demo``, N ledger members: 5,998 by default, the seed's figure), gives every member
whose open outflow record may check in (registered, no active check-in) an account, a
signed-in session and an API token, and signs in sessions for the stations' staff and the
city and county administrators (made as Django's ``force_login`` makes them: signing in is
not part of the mix). Starts the app under gunicorn with the production settings file
(``liudong.gunicorn_conf``: K workers of T ``gthread`` threads, DEBUG off) and drives it for S
seconds with locust, headless, U users (``benchmarks/soak_users.py``: members on the phone
page and the app, station staff, administrators), each waiting W seconds on average between
steps, a share P of the writes sent twice with the same idempotency key.

Afterwards, with the server stopped: every check-in and service request a client saw
accepted (by its idempotency key) is in the database exactly once, with the id the client
was given and one audit row; every confirmation, withdrawal and check-out the client saw
accepted left its state and one audit row; every export delivered left one audit row.
``lost``: accepted but missing (or not as answered); ``duplicates``: more than one row for
one accepted write. Prints throughput, p50/p99 by kind of request, errors (an unexpected
status, a refusal in the page, a timeout or a broken connection), the writes verified; the
last line is one JSON object with ``users, seconds, requests, errors, lost, duplicates,
p99_ms`` among others. Target: 0 errors and 0 lost or duplicated writes at 100 users for
300 s. ``--generated N``: instead of the demo, the ledger benchmark's N generated flow records
(places, the demo tree with its stations and accounts, the records by COPY: seconds, not a
minute). ``--quick``: 20 users, 20 s, 3,000 generated records (CI runs it on PostgreSQL).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import signal
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

from checkin import free_port, start_server  # noqa: E402
from ledger import choose_database, machine, say  # noqa: E402
from soak_verify import verify  # noqa: E402

TARGET = "0 errors, 0 lost, 0 duplicates at 100 users for 300 s"
SEED = 620800


def build(demo_members: int, generated: int, vendor: str) -> None:
    """The demo, as ``liudong load_demo`` loads it, at ``demo_members`` ledger members; or,
    with ``generated``, the ledger benchmark's faster set: places, the demo tree (its
    stations and accounts) and that many flow records written by COPY."""
    from django.core.management import call_command

    if generated:
        import ledger

        ledger.build(generated, vendor)
        # The builder's COPY skips the triggers that keep the dashboards' rollup exact.
        call_command("rebuild_tally", verbosity=0, stdout=io.StringIO())
        return
    call_command("migrate", verbosity=0)
    call_command(
        "load_demo", members=demo_members, quiet_logins=True, verbosity=0, stdout=io.StringIO()
    )


def _sessions(users: list[Any], each: int = 1) -> dict[int, list[str]]:
    """``each`` signed-in sessions per user, written as the database session store keeps
    them (the session engine when no Redis is configured)."""
    import datetime

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    backend = "django.contrib.auth.backends.ModelBackend"
    assert backend in settings.AUTHENTICATION_BACKENDS
    expires = timezone.now() + datetime.timedelta(days=1)
    store, rows, keys = SessionStore(), [], {}
    for user in users:
        data = store.encode(
            {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: backend,
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
        )
        for _ in range(each):
            key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
            rows.append(Session(session_key=key, session_data=data, expire_date=expires))
            keys.setdefault(user.pk, []).append(key)
    Session.objects.bulk_create(rows, batch_size=2000)
    return keys


def plan(users: int, wait: float, resend: float) -> dict[str, Any]:
    """Accounts for the run: the members who may check in, the stations with their staff's
    sessions, the administrators' sessions, the number of each kind of user."""
    import secrets

    from django.db import transaction
    from rest_framework.authtoken.models import Token

    from liudong.accounts.models import Role, User
    from liudong.members.models import FlowRecord, Member
    from liudong.stations.models import ACTIVE_CHECK_IN, CheckIn, Station, StationStatus

    busy = CheckIn.objects.filter(status__in=ACTIVE_CHECK_IN).values("member_id")
    eligible = dict(
        FlowRecord.objects.filter(
            is_open=True, direction="outflow", status="registered", member__user__isnull=True
        )
        .exclude(member_id__in=busy)
        .values_list("member_id", "home_organization_id")
    )
    with transaction.atomic():
        accounts = User.objects.bulk_create(
            [
                User(username=f"soak{pk}", role=Role.MEMBER, organization_id=org, password="!")
                for pk, org in eligible.items()
            ],
            batch_size=2000,
        )
        members = Member.objects.in_bulk(list(eligible))
        for pk, user in zip(eligible, accounts, strict=True):
            members[pk].user = user
        Member.objects.bulk_update(list(members.values()), ["user"], batch_size=2000)
        tokens = {u.pk: secrets.token_hex(20) for u in accounts}
        Token.objects.bulk_create([Token(key=k, user_id=u) for u, k in tokens.items()])
        member_sessions = _sessions(accounts)
        staff_users: dict[int, Any] = {}
        stations = []
        for station in Station.objects.filter(status=StationStatus.OPEN).order_by("code"):
            staff = User.objects.filter(
                role=Role.STATION_STAFF, organization_id=station.branch_id, is_active=True
            ).first()
            if staff is not None:
                staff_users[station.pk] = staff
                stations.append(
                    {"id": station.pk, "code": station.code, "qr": station.qr_token,
                     "staff": staff.pk}
                )  # fmt: skip
        admins = list(
            User.objects.filter(role__in=[Role.CITY_ADMIN, Role.COUNTY_ADMIN], is_active=True)
        )
        each = max(1, users // 5)
        staff_sessions = _sessions(list(staff_users.values()), each)
        admin_sessions = _sessions(admins, each)
    for station in stations:
        station["sessions"] = staff_sessions[station["staff"]]
    staff = max(1, round(users * 0.12))
    admin = max(1, round(users * 0.18))
    app = max(1, round(users * 0.10))
    return {
        "seed": SEED,
        "wait": wait,
        "resend": resend,
        "members": [
            {"id": pk, "user": u.pk, "session": member_sessions[u.pk][0], "token": tokens[u.pk]}
            for pk, u in zip(eligible, accounts, strict=True)
        ],
        "stations": stations,
        "admins": [{"user": a.pk, "sessions": admin_sessions[a.pk]} for a in admins],
        "users_by_kind": {
            "PhoneMember": users - staff - admin - app,
            "AppMember": app,
            "StationStaff": staff,
            "Administrator": admin,
        },
    }


def run_locust(base: str, users: int, seconds: int, plan_file: Path, out: Path) -> float:
    """locust, headless, for ``seconds``; its users finish the step they are in (up to 60 s
    more). Returns the wall time from the start to the last user stopped."""
    locust = shutil.which("locust", path=str(Path(sys.executable).parent)) or "locust"
    log = out.with_suffix(".log")
    command = [
        locust, "-f", str(HERE / "soak_users.py"), "--headless", "--only-summary",
        "-u", str(users), "-r", str(max(1.0, users / 5)), "-t", f"{seconds}s",
        "--stop-timeout", "60", "-H", base, "-L", "WARNING",
    ]  # fmt: skip
    env = os.environ | {"SOAK_PLAN": str(plan_file), "SOAK_OUT": str(out)}
    started = time.perf_counter()
    with log.open("w") as sink:
        done = subprocess.run(command, env=env, stdout=sink, stderr=subprocess.STDOUT, cwd=HERE)
    elapsed = time.perf_counter() - started
    if not out.exists():
        say(log.read_text()[-3000:])
        raise RuntimeError(f"locust wrote no results (exit {done.returncode})")
    return elapsed


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return round(ordered[rank - 1], 1)


def report(seen: dict[str, Any], elapsed: float) -> dict[str, Any]:
    times, failures = seen["times"], seen["failures"]
    all_times = [t for values in times.values() for t in values]
    say(f"  {'request':<44} {'count':>7} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8}")
    kinds = {}
    for name in sorted(times):
        row = {
            "n": len(times[name]),
            "errors": failures.get(name, 0),
            "p50_ms": percentile(times[name], 0.50),
            "p99_ms": percentile(times[name], 0.99),
        }
        kinds[name] = row
        say(f"  {name:<44} {row['n']:>7} {row['errors']:>6} {row['p50_ms']:>8} "
            f"{row['p99_ms']:>8}")  # fmt: skip
    requests = len(all_times)
    return {
        "requests": requests,
        "rps": round(requests / elapsed, 1) if elapsed else 0.0,
        "errors": sum(failures.values()),
        "p50_ms": percentile(all_times, 0.50),
        "p99_ms": percentile(all_times, 0.99),
        "kinds": kinds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100, help="concurrent users (100)")
    parser.add_argument("--seconds", type=int, default=300, help="length of the run (300)")
    parser.add_argument("--demo-members", type=int, default=5998, help="demo ledger (5,998)")
    parser.add_argument("--wait", type=float, default=2.0, help="mean think time, s (2)")
    parser.add_argument("--resend", type=float, default=0.1, help="writes sent twice (0.1)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    parser.add_argument(
        "--generated", type=int, default=0, metavar="N",
        help="instead of the demo, the ledger benchmark's N generated flow records (faster)",
    )  # fmt: skip
    parser.add_argument(
        "--quick", action="store_true", help="20 users, 20 s, 3,000 generated records"
    )
    args = parser.parse_args()
    if args.quick:
        args.users, args.seconds, args.generated = 20, 20, args.generated or 3000

    tmp = Path(tempfile.mkdtemp(prefix="liudong-soak-"))
    os.environ["LIUDONG_VAR_DIR"] = str(tmp)
    # Sessions and cache as a deployment without Redis keeps them (the database, each
    # process's memory): the shared Redis is never written to.
    os.environ.pop("REDIS_URL", None)
    url, vendor, drop = choose_database(tmp)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "liudong.settings"
    import django

    django.setup()
    from django.db import connections
    from django.utils import timezone

    load = os.getloadavg()[0]
    data = (
        f"{args.generated} generated flow records" if args.generated
        else f"the demo of {args.demo_members} members"
    )  # fmt: skip
    say(f"Soak: {args.users} users for {args.seconds} s on {vendor}, gunicorn {args.workers} "
        f"workers × {args.threads} threads (gthread), think time {args.wait} s, writes sent "
        f"twice {args.resend:.0%}, {data}, {machine()}, "
        f"load average {load:.2f} at start")  # fmt: skip
    server = None
    try:
        started = time.perf_counter()
        build(args.demo_members, args.generated, vendor)
        the_plan = plan(args.users, args.wait, args.resend)
        say(f"  demo and accounts built in {time.perf_counter() - started:.1f} s: "
            f"{len(the_plan['members'])} members may check in, "
            f"{len(the_plan['stations'])} stations, users {the_plan['users_by_kind']}")  # fmt: skip
        plan_file, out = tmp / "plan.json", tmp / "seen.json"
        plan_file.write_text(json.dumps(the_plan), encoding="utf-8")
        connections.close_all()
        port = free_port()
        env = os.environ | {"DEBUG": "0", "LIUDONG_LOG_LEVEL": "ERROR"}
        server = start_server(
            port, env, args.threads, workers=args.workers, settings_module="liudong.settings"
        )
        since = timezone.now()
        elapsed = run_locust(f"http://127.0.0.1:{port}", args.users, args.seconds, plan_file, out)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        server = None
        seen = json.loads(out.read_text(encoding="utf-8"))
        load_end = os.getloadavg()[0]
        say(f"  run: {elapsed:.1f} s (users stop after the step they are in), load average "
            f"{load_end:.2f} at the end; members at the end: {seen['pools']}")  # fmt: skip
        figures = report(seen, elapsed)
        for sample in seen["samples"][:10]:
            say(f"  error: {sample}")
        checked = verify(seen["accepted"], [m["id"] for m in the_plan["members"]], since)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        connections.close_all()
        drop()
        shutil.rmtree(tmp, ignore_errors=True)

    for kind, row in checked["kinds"].items():
        unanswered = row.get("unanswered")
        tail = "" if unanswered is None else f", {unanswered} made without an answer seen"
        say(f"  writes {kind}: {row['accepted']} accepted, {row['lost']} lost, "
            f"{row['duplicates']} duplicated{tail}")  # fmt: skip
    lost, dupes = checked["lost"], checked["duplicates"]
    passed = figures["errors"] == 0 and lost == 0 and dupes == 0
    say(f"  {figures['requests']} requests, {figures['rps']} req/s, p50 {figures['p50_ms']} ms, "
        f"p99 {figures['p99_ms']} ms, errors {figures['errors']}; writes verified "
        f"{checked['writes']}: lost {lost}, duplicates {dupes} (target {TARGET}): "
        f"{'pass' if passed else 'FAIL'}")  # fmt: skip
    print(json.dumps({
        "benchmark": "soak", "db": vendor, "users": args.users, "seconds": args.seconds,
        "requests": figures["requests"], "errors": figures["errors"], "lost": lost,
        "duplicates": dupes, "p99_ms": figures["p99_ms"], "p50_ms": figures["p50_ms"],
        "rps": figures["rps"], "elapsed_s": round(elapsed, 1), "writes": checked["writes"],
        "unanswered": checked["unanswered"], "workers": args.workers, "threads": args.threads,
        "wait_s": args.wait, "resend": args.resend, "generated": args.generated,
        "demo_members": 0 if args.generated else args.demo_members,
        "load_average": round(load, 2), "load_average_end": round(load_end, 2),
        "kinds": figures["kinds"], "verified": checked["kinds"], "target": TARGET,
        "pass": passed,
    }, ensure_ascii=False))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
