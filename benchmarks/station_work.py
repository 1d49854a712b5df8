"""Benchmark: the station workbench at N service requests and M activities, ours against
its limit.

    python benchmarks/station_work.py [--requests N] [--activities M] [--quick] [--runs R]
                                      [--explain] [--keep] [--reuse URL]

Builds its own database (PostgreSQL from DATABASE_URL, else the local one at
127.0.0.1:5432, else SQLite; the ledger benchmark's chooser): places, the demo tree with
its 12 stations and their staff, a small ledger (the ledger benchmark's builder, 20,000
flow records: the members who ask), then N service requests (default 1,000,000) spread
over the 12 stations and three years (about 2.6 % open, a third of those overdue; resolved
ones rated in part) and M activities (default 100,000) of the stations' branches and the
village branches over three years and the coming three months (sign-ups for the coming
fortnight), written with COPY (deterministic seed). Then it measures, for the staff of
station ST05 (``station05``):

- **ours**: the station workbench as the home page computes it: ``core.cards.cards_for``
  at the level ``STATION_HOME`` for the user, i.e. every card the apps register there (the
  check-ins to answer, the alerts, the open requests nearest deadline first with their
  counts, today's and this week's activities with their sign-ups and the activities
  awaiting a summary, the latest notifications), each through the gate;
- **limit**: the same answer by hand-written SQL: the station's ids looked up, the first
  eight open requests ordered by their deadline with the counts (open, overdue, awaiting
  acceptance, escalated) in one statement, the week's activities of the branch with
  their counts, the awaiting-summary count, and the small reads of the other cards
  (pending check-ins, alerts, notifications).

Both answers are compared before timing. Alternates ours and the limit after a warm-up;
medians. The last line is one JSON object (``rows``: the service requests).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
TARGET = "ratio <= 1.5 and ours_ms < 150"
SEED = 1305
STATION = 5  # 平凉市驻西安雁塔区流动党员联络站 (泾川's), staff station05
FLOWS = 20_000
ROWS_SHOWN = 8  # the workbench cards' rows (assistance.cards / activities.cards)


def _ledger_bench() -> Any:
    spec = importlib.util.spec_from_file_location("ledger_bench", HERE / "ledger.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


bench = _ledger_bench()
say = bench.say


# --- the data -----------------------------------------------------------------------------


def _copy(table: str, columns: list[str], rows: Iterator[tuple], vendor: str) -> int:
    """Write ``rows`` into ``table`` (COPY on PostgreSQL), streamed; returns the count."""
    from django.db import connection

    n = 0
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        else:
            marks = ", ".join("%s" for _ in columns)
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            chunk: list[tuple] = []
            for row in rows:
                chunk.append(row)
                n += 1
                if len(chunk) == 10000:
                    cursor.executemany(sql, chunk)
                    chunk = []
            if chunk:
                cursor.executemany(sql, chunk)
    return n


def _columns(model: Any) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def request_rows(n: int, now: datetime.datetime) -> Iterator[tuple]:
    """N service requests as tuples in the table's column order (what they need is read
    first: the rows are written while the connection is in COPY)."""
    from liudong.assistance.models import REQUEST_KINDS, ServiceRequest
    from liudong.members.models import FlowRecord
    from liudong.stations.models import Station

    flows = list(FlowRecord.objects.filter(is_open=True).values_list("pk", "member_id"))
    stations = list(Station.objects.order_by("code").values_list("pk", "organization_id"))
    return _request_rows(n, now, flows, stations, _columns(ServiceRequest), REQUEST_KINDS)


def _request_rows(
    n: int,
    now: datetime.datetime,
    flows: list[tuple[int, int]],
    stations: list[tuple[int, int]],
    columns: list[str],
    kinds: tuple[str, ...],
) -> Iterator[tuple]:
    rng = random.Random(SEED)
    span = 3 * 365 * 86400
    day = datetime.timedelta(days=1)
    for i in range(1, n + 1):
        flow, member = flows[rng.randrange(len(flows))]
        station, runner = stations[rng.randrange(len(stations))]
        submitted = now - datetime.timedelta(seconds=rng.randrange(span))
        recent = now - submitted < 30 * day
        row: dict[str, Any] = {
            "id": i, "member_id": member, "flow_id": flow, "station_id": station,
            "kind": kinds[i % len(kinds)], "description": "",
            "share_with_home": False, "submitted_by_id": None, "assigned_to_id": None,
            "referral_partner": "", "outcome": "", "refusal_reason": "", "rating": None,
            "rating_comment": "", "submitted_at": submitted, "accepted_at": None,
            "started_at": None, "referred_at": None, "resolved_at": None, "refused_at": None,
            "rated_at": None, "accept_by": submitted + 2 * day,
            "resolve_by": submitted + 21 * day, "escalated": False, "escalated_to_id": None,
            "escalated_at": None, "updated_at": now, "idempotency_key": None,
        }  # fmt: skip
        draw = rng.random()
        if draw < (0.6 if recent else 0.01):  # open
            status = ("submitted", "accepted", "in_progress")[rng.randrange(3)]
            if status != "submitted":
                row["accepted_at"] = submitted + datetime.timedelta(hours=rng.randrange(1, 60))
            late = row["resolve_by"] < now or (status == "submitted" and row["accept_by"] < now)
            if late and rng.random() < 0.5:
                row.update(escalated=True, escalated_to_id=runner, escalated_at=now - day)
        elif draw < 0.92:
            status = "resolved"
            row["accepted_at"] = submitted + datetime.timedelta(hours=rng.randrange(1, 60))
            row["resolved_at"] = submitted + datetime.timedelta(hours=rng.randrange(24, 600))
            if row["resolved_at"] > now:
                row["resolved_at"] = now
            if rng.random() < 0.4:
                row["rating"] = 1 + rng.randrange(5)
                row["rated_at"] = row["resolved_at"]
        else:
            status = "refused"
            row["refused_at"] = submitted + datetime.timedelta(hours=rng.randrange(1, 48))
            row["refusal_reason"] = "不属于服务范围"
        row["status"] = status
        yield tuple(row[c] for c in columns)


def activity_rows(m: int, now: datetime.datetime) -> Iterator[tuple]:
    from liudong.activities.models import Activity
    from liudong.orgs.models import Organization
    from liudong.stations.models import Station

    station_branches = list(
        Station.objects.filter(branch__isnull=False)
        .order_by("code")
        .values_list("branch_id", flat=True)
    )
    branches = list(Organization.objects.filter(kind="branch").values_list("pk", flat=True))
    return _activity_rows(m, now, station_branches, branches, _columns(Activity))


def _activity_rows(
    m: int,
    now: datetime.datetime,
    station_branches: list[int],
    branches: list[int],
    columns: list[str],
) -> Iterator[tuple]:
    rng = random.Random(SEED + 1)
    kinds = ("theory_study", "discussion", "party_spirit", "skills_training",
             "volunteer_service", "branch_meeting")  # fmt: skip
    first = now - datetime.timedelta(days=3 * 365)
    span = (3 * 365 + 90) * 86400
    for i in range(1, m + 1):
        organizer = (
            station_branches[rng.randrange(len(station_branches))]
            if rng.random() < 0.4
            else branches[rng.randrange(len(branches))]
        )
        starts = first + datetime.timedelta(seconds=rng.randrange(span) // 1800 * 1800)
        ends = starts + datetime.timedelta(hours=2)
        status = "planned" if ends > now or rng.random() < 0.02 else "held"
        if rng.random() < 0.03:
            status = "cancelled"
        row = {
            "id": i, "organizer_id": organizer, "kind": kinds[i % len(kinds)],
            "title": f"活动{i}", "starts_at": starts, "ends_at": ends, "place": "党员活动室",
            "online_link": "", "capacity": None, "audience": "station", "description": "",
            "status": status, "cancel_reason": "", "summary": "",
            "qr_token": f"b{i:011d}", "created_by_id": None, "created_at": now,
            "updated_at": now,
        }  # fmt: skip
        yield tuple(row[c] for c in columns)


def sign_up_rows(now: datetime.datetime) -> Iterator[tuple]:
    """Five sign-ups for each activity of the coming fortnight."""
    from liudong.activities.models import Activity, SignUp
    from liudong.members.models import Member

    rng = random.Random(SEED + 2)
    members = list(Member.objects.values_list("pk", flat=True))
    coming = list(
        Activity.objects.filter(
            starts_at__gte=now, starts_at__lt=now + datetime.timedelta(days=14), status="planned"
        ).values_list("pk", flat=True)
    )
    return _sign_up_rows(rng, members, coming, _columns(SignUp), now)


def _sign_up_rows(
    rng: random.Random,
    members: list[int],
    coming: list[int],
    columns: list[str],
    now: datetime.datetime,
) -> Iterator[tuple]:
    n = 0
    for activity in coming:
        for member in rng.sample(members, 5):
            n += 1
            row = {"id": n, "activity_id": activity, "member_id": member, "created_at": now}
            yield tuple(row[c] for c in columns)


def build(requests: int, activities: int, vendor: str) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from liudong.activities.models import Activity, SignUp
    from liudong.assistance.models import ServiceRequest

    bench.build(FLOWS, vendor)
    now = timezone.now()
    started = time.perf_counter()
    with transaction.atomic():
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                try:  # consistent by construction: no per-row foreign-key triggers
                    with transaction.atomic():
                        cursor.execute("SET LOCAL session_replication_role = replica")
                except Exception:  # noqa: BLE001 — not allowed: load with the checks
                    pass
        n = _copy(
            ServiceRequest._meta.db_table,
            _columns(ServiceRequest),
            request_rows(requests, now),
            vendor,
        )
        m = _copy(
            Activity._meta.db_table, _columns(Activity), activity_rows(activities, now), vendor
        )
        s = _copy(SignUp._meta.db_table, _columns(SignUp), sign_up_rows(now), vendor)
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            for table in ("assistance_servicerequest", "activities_activity", "activities_signup"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")
    say(f"  {n} service requests, {m} activities, {s} sign-ups written (COPY), vacuumed and "
        f"analyzed: {time.perf_counter() - started:.1f} s")  # fmt: skip


def built(requests: int) -> bool:
    from django.db import connection

    if "assistance_servicerequest" not in connection.introspection.table_names():
        return False
    from liudong.assistance.models import ServiceRequest

    return ServiceRequest.objects.count() == requests


# --- the measurement ----------------------------------------------------------------------


def ours(user: Any) -> dict[str, Any]:
    """The station workbench as the home page computes it (the cards' figures)."""
    from liudong.core import cards

    shown = cards.cards_for(
        cards.CardContext(user, user.organization, cards.STATION_HOME, None, {})
    )
    figures = {item["card"].key: item["figure"] for item in shown}
    requests = figures["workbench_requests"]
    activities = figures["workbench_activities"]
    return {
        "requests": [r.pk for r in requests["rows"]],
        "request_counts": (
            requests["open"],
            requests["overdue"],
            requests["to_accept"],
            requests["escalated"],
        ),
        "activities": [(a.pk, a.signed_up) for a in activities["rows"]],
        "activity_counts": (activities["count"], activities["awaiting"]),
        "check_ins": figures["workbench_check_ins"]["count"],
        "alerts": figures["workbench_alerts"]["count"],
        "unread": figures["workbench_notifications"]["unread"],
    }


REQUESTS_SQL = """
    SELECT r.id, r.kind, r.status, r.escalated, r.accept_by, r.resolve_by, r.due,
           m.name, st.name
    FROM (SELECT r.*, CASE WHEN r.status = 'submitted' THEN r.accept_by
                           ELSE r.resolve_by END AS due
          FROM assistance_servicerequest r
          WHERE r.station_id = ANY(%(stations)s)
            AND r.status IN ('submitted', 'accepted', 'in_progress')
          ORDER BY due, r.id LIMIT %(shown)s) r
    JOIN members_member m ON m.id = r.member_id
    JOIN stations_station st ON st.id = r.station_id
    ORDER BY r.due, r.id"""
REQUEST_COUNTS_SQL = """
    SELECT count(*),
           count(*) FILTER (WHERE (status = 'submitted' AND accept_by < %(now)s)
                            OR resolve_by < %(now)s),
           count(*) FILTER (WHERE status = 'submitted'),
           count(*) FILTER (WHERE escalated)
    FROM assistance_servicerequest
    WHERE station_id = ANY(%(stations)s) AND status IN ('submitted', 'accepted', 'in_progress')"""
ACTIVITIES_SQL = """
    SELECT a.id, a.title, a.starts_at, o.name,
           (SELECT count(*) FROM activities_signup s WHERE s.activity_id = a.id),
           (SELECT count(*) FROM activities_attendance t WHERE t.activity_id = a.id)
    FROM activities_activity a JOIN orgs_organization o ON o.id = a.organizer_id
    WHERE a.organizer_id = ANY(%(orgs)s) AND a.status = 'planned'
      AND a.ends_at > %(now)s AND a.starts_at < %(ahead)s
    ORDER BY a.starts_at, a.id LIMIT %(shown)s"""
ACTIVITY_COUNTS_SQL = """
    SELECT count(*) FILTER (WHERE ends_at > %(now)s AND starts_at < %(ahead)s),
           count(*) FILTER (WHERE ends_at <= %(now)s)
    FROM activities_activity
    WHERE organizer_id = ANY(%(orgs)s) AND status = 'planned'"""
SMALL_SQL = (
    # the check-ins to answer (rows and count), the alerts (rows, count, escalated), the
    # latest notifications and the unread count
    """SELECT c.id, c.requested_at, m.name FROM stations_checkin c
       JOIN members_member m ON m.id = c.member_id
       WHERE c.station_id = ANY(%(stations)s) AND c.status = 'pending'
       ORDER BY c.requested_at, c.id LIMIT 8""",
    """SELECT count(*) FROM stations_checkin
       WHERE station_id = ANY(%(stations)s) AND status = 'pending'""",
    """SELECT a.id, a.kind, a.raised_on FROM members_alert a
       WHERE NOT a.resolved AND a.organization_id = ANY(%(orgs)s)
       ORDER BY a.raised_on DESC, a.id DESC LIMIT 6""",
    """SELECT count(*) FILTER (WHERE organization_id = ANY(%(orgs)s)),
              count(*) FILTER (WHERE escalated_to_id = ANY(%(orgs)s))
       FROM members_alert WHERE NOT resolved""",
    """SELECT id, kind, params, read_at FROM notifications_notification
       WHERE recipient_id = %(user)s ORDER BY read_at NULLS FIRST, created_at DESC, id DESC
       LIMIT 6""",
    """SELECT count(*) FROM notifications_notification
       WHERE recipient_id = %(user)s AND read_at IS NULL""",
)


def limit_params(user: Any) -> dict[str, Any]:
    from django.utils import timezone

    now = timezone.now()
    return {
        "org": user.organization_id,
        "user": user.pk,
        "now": now,
        "ahead": now + datetime.timedelta(days=7),
        "shown": ROWS_SHOWN,
    }


def station_ids(params: dict[str, Any]) -> list[int]:
    """The stations whose branch is the user's organization (the station side)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM stations_station WHERE branch_id = %(org)s", params)
        return [row[0] for row in cursor.fetchall()]


def limit(params: dict[str, Any]) -> dict[str, Any]:
    """The same answer by hand: the station's ids first, then one statement per figure."""
    from django.db import connection

    values = {**params, "stations": station_ids(params), "orgs": [params["org"]]}
    with connection.cursor() as cursor:
        cursor.execute(REQUESTS_SQL, values)
        requests = cursor.fetchall()
        cursor.execute(REQUEST_COUNTS_SQL, values)
        counts = cursor.fetchone()
        cursor.execute(ACTIVITIES_SQL, values)
        activities = cursor.fetchall()
        cursor.execute(ACTIVITY_COUNTS_SQL, values)
        activity_counts = cursor.fetchone()
        small = []
        for sql in SMALL_SQL:
            cursor.execute(sql, values)
            small.append(cursor.fetchall())
    return {
        "requests": [r[0] for r in requests],
        "request_counts": tuple(counts),
        "activities": [(a[0], a[4]) for a in activities],
        "activity_counts": tuple(activity_counts),
        "check_ins": small[1][0][0],
        "alerts": small[3][0][0],
        "unread": small[5][0][0],
    }


def profile(user: Any) -> None:
    """Each card's time and queries, then where ours spends its time (``--profile``)."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from liudong.core import cards

    for card in cards.all_cards():
        if cards.STATION_HOME not in card.levels:
            continue
        ctx = cards.CardContext(user, user.organization, cards.STATION_HOME, None, {})
        with CaptureQueriesContext(connection) as queries:
            ms, _figure = bench.timed(lambda card=card, ctx=ctx: card.figure(ctx))
        say(f"    {card.key}: {ms:.1f} ms, {len(queries)} queries")
        for query in queries.captured_queries:
            say(f"      {query['time']} s {query['sql'][:160]}")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(5):
        ours(user)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def measure(args: argparse.Namespace, vendor: str) -> dict[str, Any]:
    from django.utils import timezone

    from liudong.accounts.models import User
    from liudong.assistance.models import OPEN_STATUSES, ServiceRequest

    user = User.objects.select_related("organization").get(username=f"station{STATION:02d}")
    frozen = timezone.now()
    timezone.now = lambda: frozen  # one clock for ours and the limit (the week, overdue)
    params = limit_params(user)
    a, b = ours(user), limit(params)
    assert a == b, ("ours and the limit differ", a, b)
    station_open = ServiceRequest.objects.filter(
        station__branch=user.organization_id, status__in=OPEN_STATUSES
    ).count()
    say(f"  answer for {user.username}: {a['request_counts'][0]} open requests at the station "
        f"({a['request_counts'][1]} overdue, {a['request_counts'][2]} awaiting acceptance, "
        f"{a['request_counts'][3]} escalated), {a['activity_counts'][0]} activities this week, "
        f"{a['activity_counts'][1]} awaiting a summary; equal by hand")  # fmt: skip
    assert station_open == a["request_counts"][0]
    if args.explain:
        from liudong.assistance import queries

        sql, sql_params = queries.open_by_deadline(user)[:ROWS_SHOWN].query.sql_with_params()
        say("  ours, the open requests by deadline:")
        bench.explain(vendor, sql, list(sql_params))
        values = {**params, "stations": station_ids(params), "orgs": [params["org"]]}
        say("  limit, the open requests by deadline:")
        bench.explain(vendor, REQUESTS_SQL, values)
        say("  limit, their counts:")
        bench.explain(vendor, REQUEST_COUNTS_SQL, values)
        say("  limit, the week's activities:")
        bench.explain(vendor, ACTIVITIES_SQL, values)
        bench.explain(vendor, ACTIVITY_COUNTS_SQL, values)
    if args.profile:
        profile(user)
    times = list(bench.alternate(lambda: ours(user), lambda: limit(params), args.runs))
    ours_ms = statistics.median(t for t, _ in times)
    limit_ms = statistics.median(t for _, t in times)
    return {
        "ours_ms": round(ours_ms, 2),
        "limit_ms": round(limit_ms, 2),
        "ratio": round(ours_ms / limit_ms, 2),
        "open": a["request_counts"][0],
        "overdue": a["request_counts"][1],
        "week": a["activity_counts"][0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1_000_000, help="service requests")
    parser.add_argument("--activities", type=int, default=100_000, help="activities")
    parser.add_argument("--quick", action="store_true", help="10,000 requests: a smoke test")
    parser.add_argument("--runs", type=int, default=15, help="measured runs of each (≥ 5)")
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    parser.add_argument("--profile", action="store_true", help="each card's time, a profile")
    parser.add_argument("--keep", action="store_true", help="keep the database (prints its URL)")
    parser.add_argument("--reuse", default="", help="measure on a kept database (its URL)")
    args = parser.parse_args()
    args.runs = max(5, args.runs)
    requests = 10_000 if args.quick else args.requests
    activities = 1_000 if args.quick else args.activities

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

    say(f"Station workbench benchmark: {requests} service requests, {activities} activities "
        f"on {vendor} ({url.rsplit('/', 1)[-1]}), {bench.machine()}")  # fmt: skip
    if vendor != "postgresql":
        say("  the limit is PostgreSQL SQL (= ANY, FILTER): give a PostgreSQL DATABASE_URL")
        drop()
        return 2
    try:
        if args.reuse:
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            assert built(requests), "the kept database holds another size"
        else:
            build(requests, activities, vendor)
        result = measure(args, vendor)
    finally:
        connections.close_all()
        drop()
        shutil.rmtree(tmp, ignore_errors=True)
    passed = result["ratio"] <= 1.5 and result["ours_ms"] < 150
    say(f"  ours (core.cards.cards_for at STATION_HOME for station{STATION:02d}, every card): "
        f"{result['ours_ms']} ms median of {args.runs}")  # fmt: skip
    say(f"  limit (hand-written SQL, the same answer): {result['limit_ms']} ms")
    say(f"  ratio {result['ratio']} (target {TARGET}): {'pass' if passed else 'FAIL'}")
    print(json.dumps({
        "benchmark": "station_work", "db": vendor, "rows": requests, "activities": activities,
        "ours_ms": result["ours_ms"], "limit_ms": result["limit_ms"], "ratio": result["ratio"],
        "target": TARGET, "pass": passed, "open": result["open"],
        "overdue": result["overdue"], "week": result["week"], "runs": args.runs,
    }, ensure_ascii=False))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
