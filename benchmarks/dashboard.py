"""Benchmark: the city dashboard's figures and the map's per-province counts at N records.

    python benchmarks/dashboard.py [--rows N] [--quick] [--runs R] [--explain]

Builds its own database with the ledger benchmark's builder (``benchmarks/ledger.py``:
places, the demo tree, N flow records), then measures, for the city administrator:

- **ours**: ``analytics.queries.dashboard`` uncached — every figure of the city dashboard
  (totals, coverage in/out of province with targets, flow scopes, the liaison/service
  station figures, stations, alerts, the per-county rows) and the map's per-province
  counts (``by_province``), as the page and the API compute them;
- **limit**: the same answer by hand-written SQL — the one GROUP BY over the open records
  by county row, direction, scope, status and destination prefecture, plus the small reads
  the page needs (stations and their attached members, alerts, organizations, targets);
- **cached**: the dashboard API and the map's per-province API, answered from the cache.

Alternates ours and the limit after a warm-up; medians. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
TARGET = "ratio <= 1.3 and ours_ms < 300 and cached_ms < 50"


def _ledger_bench() -> Any:
    """The ledger benchmark's module (its database chooser and 1M-row builder)."""
    spec = importlib.util.spec_from_file_location("ledger_bench", HERE / "ledger.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


bench = _ledger_bench()
say = bench.say


def ours(user: Any, root: Any) -> dict[str, Any]:
    from liudong.analytics import queries

    board = queries.dashboard(user, root).as_dict()
    return {
        "found": board["members_found"],
        "liaison": board["outflow_under_liaison_stations"],
        "service": board["inflow_under_service_stations"],
        "rows": {r["organization"]: r["found"] for r in board["rows"]},
        "provinces": {k: v["total"] for k, v in board["by_province"].items()},
        "managed": board["totals"]["all"]["managed"],
    }


def limit_sql(root: Any) -> tuple[str, list[Any]]:
    """The dashboard's one GROUP BY, by hand: rows by the counties' organization id lists."""
    from liudong.analytics import queries

    children = queries.child_rows_of(root)
    owner = queries._row_owner(root, children)
    ids: dict[int, list[int]] = {}
    for pk, child in owner.items():
        ids.setdefault(child, []).append(pk)
    whens, params = [], []
    for child in children:
        if child.pk in ids:
            whens.append(
                "WHEN (direction = 'outflow' AND home_organization_id = ANY(%s)) "
                "OR (direction = 'inflow' AND inflow_organization_id = ANY(%s)) THEN %s"
            )
            params += [ids[child.pk], ids[child.pk], child.pk]
    cutoff = queries.overdue_cutoff()
    sql = (
        f"SELECT CASE {' '.join(whens)} END AS row_key, direction, flow_scope, status, "
        "substr(destination_place_id, 1, 4) AS prefecture, count(*), "
        "count(*) FILTER (WHERE last_contact_on < %s "
        "OR (last_contact_on IS NULL AND left_on < %s)) "
        "FROM members_flowrecord WHERE is_open GROUP BY 1, 2, 3, 4, 5"
    )
    return sql, [*params, cutoff, cutoff]


def limit(sql: str, params: list[Any], station_branches: list[int]) -> dict[str, Any]:
    from django.db import connection

    from liudong.analytics.queries import tuned_for_aggregates

    with tuned_for_aggregates(), connection.cursor() as cursor:  # the same settings as ours
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT s.code, s.kind, s.place_id, s.lng, s.lat, o.code FROM stations_station s "
            "JOIN orgs_organization o ON o.id = s.branch_id WHERE s.status = 'open'"
        )
        stations = cursor.fetchall()
        cursor.execute(
            "SELECT inflow_organization_id, status, count(*) FROM members_flowrecord "
            "WHERE is_open AND inflow_organization_id = ANY(%s) GROUP BY 1, 2",
            [station_branches],
        )
        cursor.fetchall()
        cursor.execute("SELECT kind, count(*) FROM members_alert WHERE NOT resolved GROUP BY kind")
        cursor.fetchall()
        cursor.execute("SELECT id, path, code, name, kind FROM orgs_organization")
        cursor.fetchall()
        cursor.execute("SELECT * FROM analytics_coveragetarget")
        cursor.fetchall()
    liaison_prefectures = {p[:4] for _c, kind, p, *_rest in stations if kind == "liaison"}
    service_prefectures = {p[:4] for _c, kind, p, *_rest in stations if kind == "service"}
    found = sum(r[5] for r in rows)
    by_row: dict[Any, int] = {}
    provinces: dict[str, int] = {}
    liaison = service = managed = 0
    for key, direction, _scope, status, prefecture, n, _overdue in rows:
        by_row[key] = by_row.get(key, 0) + n
        managed += n if status == "managed" else 0
        if direction == "outflow":
            provinces[prefecture[:2]] = provinces.get(prefecture[:2], 0) + n
            liaison += n if prefecture in liaison_prefectures else 0
        elif prefecture in service_prefectures:
            service += n
    return {"found": found, "liaison": liaison, "service": service, "by_row": by_row,
            "provinces": provinces, "managed": managed}  # fmt: skip


def cached(client: Any) -> float:
    """Both API calls of a dashboard page and its map, from a warm cache (ms)."""
    started = bench.time.perf_counter()
    for url in ("/api/v1/analytics/dashboard/", "/api/v1/analytics/distribution/"):
        response = client.get(url, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, (url, response.status_code)
    return (bench.time.perf_counter() - started) * 1000


def measure(args: argparse.Namespace, vendor: str) -> dict[str, Any]:
    from django.core.cache import cache
    from django.test import Client

    from liudong.accounts.models import User
    from liudong.analytics import queries
    from liudong.orgs.models import Organization

    city = User.objects.get(username="city")
    root = queries.root_organization()
    sql, params = limit_sql(root)
    branches = list(
        Organization.objects.filter(code__startswith="620800-LD").values_list("pk", flat=True)
    )
    a, b = ours(city, root), limit(sql, params, branches)
    assert a["found"] == b["found"], (a["found"], b["found"])
    assert (a["liaison"], a["service"], a["managed"]) == (b["liaison"], b["service"], b["managed"])
    assert a["provinces"] == b["provinces"], "per-province counts differ"
    say(
        f"  answer: {a['found']} open records, {a['liaison']} outflow under liaison stations, "
        f"{a['service']} inflow under service stations, {len(a['provinces'])} provinces"
    )
    if args.explain:
        bench.explain(vendor, sql, params)
    times = list(
        bench.alternate(lambda: ours(city, root), lambda: limit(sql, params, branches), args.runs)
    )
    client = Client()
    client.force_login(city)
    cache.clear()
    cached(client)  # fills the cache
    cached_ms = statistics.median(cached(client) for _ in range(args.runs))
    ours_ms = statistics.median(t for t, _ in times)
    limit_ms = statistics.median(t for _, t in times)
    return {
        "ours_ms": round(ours_ms, 2),
        "limit_ms": round(limit_ms, 2),
        "ratio": round(ours_ms / limit_ms, 2),
        "cached_ms": round(cached_ms, 2),
        "found": a["found"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="flow records (1,000,000)")
    parser.add_argument("--quick", action="store_true", help="20,000 rows: a smoke test")
    parser.add_argument("--runs", type=int, default=11, help="measured runs of each (≥ 5)")
    parser.add_argument("--explain", action="store_true", help="print the limit's plan")
    parser.add_argument("--keep", action="store_true", help="keep the database (prints its URL)")
    parser.add_argument("--reuse", default="", help="measure on a kept database (its URL)")
    args = parser.parse_args()
    args.runs = max(5, args.runs)
    rows = 20_000 if args.quick else args.rows

    tmp = Path(tempfile.mkdtemp(prefix="liudong-bench-"))
    os.environ["LIUDONG_VAR_DIR"] = str(tmp)
    if args.reuse:
        url, vendor, drop = args.reuse, "postgresql", lambda: None
    else:
        url, vendor, drop = bench.choose_database(tmp)
    if args.keep:
        drop = lambda: say(f"  kept: {url}")  # noqa: E731
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "liudong.settings"
    os.environ.setdefault("LIUDONG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    import django

    django.setup()
    from django.db import connections

    say(f"Dashboard benchmark: {rows} flow records on {vendor} ({url.rsplit('/', 1)[-1]}), "
        f"{bench.machine()}")  # fmt: skip
    try:
        if not args.reuse:
            bench.build(rows, vendor)
        result = measure(args, vendor)
    finally:
        connections.close_all()
        drop()
        shutil.rmtree(tmp, ignore_errors=True)
    passed = result["ratio"] <= 1.3 and result["ours_ms"] < 300 and result["cached_ms"] < 50
    say(f"  ours (analytics.queries.dashboard, uncached): {result['ours_ms']} ms median")
    say(f"  limit (hand-written GROUP BY + the small reads): {result['limit_ms']} ms")
    say(f"  ratio {result['ratio']}; cached (dashboard + map APIs): {result['cached_ms']} ms")
    say(f"  target {TARGET}: {'pass' if passed else 'FAIL'}")
    print(json.dumps({
        "benchmark": "dashboard", "db": vendor, "rows": rows,
        "ours_ms": result["ours_ms"], "limit_ms": result["limit_ms"], "ratio": result["ratio"],
        "cached_ms": result["cached_ms"], "target": TARGET, "pass": passed,
        "found": result["found"], "runs": args.runs,
    }, ensure_ascii=False))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
