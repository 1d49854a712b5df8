"""The check-in's CPU per request in one process, ours against its limit (a shared machine's
steadier figure beside ``benchmarks/checkin.py``'s wall clock).

    DATABASE_URL=postgres://… python benchmarks/checkin_cpu.py [--members N] [--block B]
                                                              [--blocks K] [--profile]

Builds ``benchmarks/checkin.py``'s data on the database of ``DATABASE_URL`` (or reuses it
when its members are there), then sends new check-ins through Django's WSGI handler with
the production middleware (``benchmarks/checkin_settings.py``: the product's URLs with the
limit's in front), as gunicorn hands them over: blocks of B requests of ours
(``POST /api/v1/check-ins/``) and of the limit alternating, each on members nobody has
used, timed with ``time.process_time`` (the CPU of this process: the database's own work
is not in it). Prints the median per request of each side and their ratio; the last line
is one JSON object. ``--profile`` prints the top of cProfile's cumulative list for ours.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

STATION = "620800-ST04"


def _environ(path: str, token: str) -> dict[str, Any]:
    body = json.dumps({"station": STATION}).encode()
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_AUTHORIZATION": f"Token {token}",
        "HTTP_HOST": "127.0.0.1",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=12_000, help="members (12,000)")
    parser.add_argument("--block", type=int, default=100, help="requests a block (100)")
    parser.add_argument("--blocks", type=int, default=10, help="blocks of each side (10)")
    parser.add_argument("--profile", action="store_true", help="cProfile ours' requests")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "checkin_settings")
    os.environ.setdefault("DEBUG", "0")  # as benchmarks/checkin.py's server
    os.environ.setdefault("LIUDONG_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from checkin import build  # benchmarks/checkin.py's data
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    from liudong.accounts.models import User

    call_command("migrate", verbosity=0)
    if User.objects.filter(username__startswith="bench").count() < args.members:
        build(args.members)
    with connection.cursor() as cursor:  # every member new again
        cursor.execute(
            "DELETE FROM notifications_notification WHERE kind = 'checkin.pending';"
            "DELETE FROM stations_checkin;"
            "DELETE FROM core_auditevent WHERE kind = 'checkin.request'"
        )
        cursor.execute(
            "SELECT t.key FROM authtoken_token t JOIN accounts_user u ON u.id = t.user_id "
            "WHERE u.username LIKE 'bench%%' ORDER BY u.username"
        )
        tokens = [row[0] for row in cursor.fetchall()]
    need = 2 * args.block * (args.blocks + 1)
    if len(tokens) < need:
        print(f"need {need} members, have {len(tokens)}: --members {need}", file=sys.stderr)
        return 2
    app = get_wsgi_application()
    statuses: dict[str, dict[int, int]] = {"ours": {}, "limit": {}}
    paths = {"ours": "/api/v1/check-ins/", "limit": "/bench/check-in-limit/"}

    def one(side: str, token: str) -> None:
        answer: list[str] = []
        body = app(_environ(paths[side], token), lambda s, h, *a: answer.append(s))
        b"".join(body)
        body.close()
        code = int(answer[0].split()[0])
        statuses[side][code] = statuses[side].get(code, 0) + 1

    used = iter(tokens)
    for side in ("ours", "limit"):  # warm-up: a block each, not counted
        for _ in range(args.block):
            one(side, next(used))
    statuses = {"ours": {}, "limit": {}}
    times: dict[str, list[float]] = {"ours": [], "limit": []}
    profilers: dict[str, Any] = {}
    if args.profile:
        import cProfile

        profilers = {side: cProfile.Profile(time.process_time) for side in times}
    for _ in range(args.blocks):
        for side in ("ours", "limit"):
            block = [next(used) for _ in range(args.block)]
            if side in profilers:
                profilers[side].enable()
            started = time.process_time()
            for token in block:
                one(side, token)
            times[side].append((time.process_time() - started) * 1000 / args.block)
            if side in profilers:
                profilers[side].disable()
    for side, profiler in profilers.items():
        import pstats

        print(f"--- {side}")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
    ours = statistics.median(times["ours"])
    limit = statistics.median(times["limit"])
    result = {
        "ours_cpu_ms": round(ours, 3),
        "limit_cpu_ms": round(limit, 3),
        "cpu_ratio": round(limit / ours, 2),
        "statuses": statuses,
        "block": args.block,
        "blocks": args.blocks,
        "load": round(os.getloadavg()[0], 2),
    }
    print(
        f"CPU per check-in, median of {args.blocks} blocks of {args.block}: ours {ours:.3f} ms, "
        f"the limit {limit:.3f} ms (limit ÷ ours {limit / ours:.2f}); statuses {statuses}"
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
