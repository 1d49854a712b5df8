"""Benchmark: the out-of-province ledger page at N flow records, ours against its limit.

    python benchmarks/ledger.py [--rows N] [--quick] [--runs R] [--scan] [--explain]

Builds its own database (PostgreSQL from DATABASE_URL, else the local one at
127.0.0.1:5432, else SQLite in a temporary directory; it says which), fills it with
places, the demo organization tree and N flow records (deterministic), then measures the
out-of-province ledger filtered by county (泾川 620821 and below) and status (managed) as
the page computes it: ``queries.ledger_rows`` through the paginator, i.e. the total count
and the first page of 50 rows ordered by ``-left_on, -id`` with everything a row shows.
The limit is the same answer by hand-written SQL: one COUNT and one SELECT with the
county's organization ids. Alternates ours and the limit (A B A B) after a warm-up;
reports medians. ``--scan`` also times the alert scan over all the records.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
COUNTY = "620821"  # 泾川县
STATUS = "managed"
PAGE = 50
SEED = 620800
TARGET = "ratio <= 1.5 and ours_ms < 150"  # at 10,000,000 also county_admin_ms < 300

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def say(text: str = "") -> None:
    print(text, flush=True)


# --- the database -------------------------------------------------------------------------


def _postgres_url(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + dbname))


def _admin(url: str) -> Any:
    import psycopg

    return psycopg.connect(_postgres_url(url, "postgres"), autocommit=True, connect_timeout=3)


def choose_database(tmp: Path, keep: str = "") -> tuple[str, str, Callable[[], None]]:
    """(DATABASE_URL, "postgresql" | "sqlite", drop). A fresh database either way, or
    with ``keep`` (PostgreSQL only) the database of that name, kept for the next run."""
    name = keep or f"liudong_bench_{os.getpid()}"
    given = os.environ.get("DATABASE_URL", "")
    server = given if given.startswith(("postgres://", "postgresql://")) else ""
    if not given:
        try:
            _admin(LOCAL_POSTGRES).close()
            server = LOCAL_POSTGRES
        except Exception as exc:  # noqa: BLE001 — any failure means: no local server
            say(f"No PostgreSQL at 127.0.0.1:5432 ({type(exc).__name__}): using SQLite.")
    if server and keep:
        with _admin(server) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        return _postgres_url(server, name), "postgresql", lambda: None
    if server:
        with _admin(server) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with _admin(server) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return _postgres_url(server, name), "postgresql", drop
    if given:
        say(f"DATABASE_URL is not PostgreSQL ({given.split(':')[0]}): using SQLite.")
    return f"sqlite:///{tmp / (name + '.sqlite3')}", "sqlite", lambda: None


# --- the data -----------------------------------------------------------------------------

# Where members go (county or district codes, weights): station cities, elsewhere, in the city.
DESTINATIONS: dict[str, float] = {
    "620102": 8, "620103": 6, "620105": 5, "620104": 2, "620123": 1,  # 兰州
    "610104": 6, "610113": 6, "610112": 5, "610102": 1, "610116": 1,  # 西安
    "640104": 3, "640106": 1, "650102": 2, "650103": 1,  # 银川, 乌鲁木齐
    "621002": 5, "620502": 4, "620402": 2, "620902": 2, "621102": 2,  # 庆阳 天水 白银 酒泉 定西
    "610303": 3, "610402": 4, "610802": 2, "640402": 2, "640302": 1,  # 宝鸡 咸阳 榆林 固原 吴忠
    "652301": 1, "110105": 3, "110108": 2, "310115": 3, "440305": 3,  # 昌吉 北京 上海 深圳
    "440106": 2, "320505": 2, "330106": 2, "630104": 1, "510107": 1,  # 广州 苏州 杭州 西宁 成都
    "620802": 4, "620881": 1,  # within Pingliang
}  # fmt: skip
COUNTY_WEIGHTS = {
    "620802": 20, "620821": 12, "620822": 9, "620823": 6, "620825": 19, "620826": 22,
    "620881": 10,
}  # fmt: skip
INFLOW_HOMES = ["621102", "621121", "621002", "620502", "610303", "610402", "640402", "640422"]
STATION_BY_DISTRICT = {
    "620102": 1, "620103": 2, "620105": 3, "610104": 4, "610113": 5, "610112": 6,
    "640104": 7, "650102": 8, "620802": 9, "620881": 12,
}  # fmt: skip
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国红梅玉兰志强海燕永"

MEMBER_COLUMNS = (
    "id", "name", "name_pinyin", "sex", "ethnicity", "birth_date", "id_number",
    "id_number_index", "id_number_masked", "phone", "phone_index", "phone_masked", "education",
    "joined_on", "membership", "home_organization_id", "home_organization_name",
    "home_place_id", "inflow_organization_id", "user_id", "created_at", "updated_at",
)  # fmt: skip
FLOW_COLUMNS = (
    "id", "member_id", "direction", "flow_scope", "origin_place_id", "destination_place_id",
    "destination_address", "employer", "reason", "left_on", "expected_return_on",
    "home_contact_id", "home_organization_id", "inflow_organization_id", "status", "is_open",
    "status_changed_on", "status_reason", "closed_on", "managed_on", "last_contact_on",
    "created_at",
)  # fmt: skip
CONTACT_COLUMNS = (
    "id", "flow_id", "contacted_on", "method", "by_id", "organization_id", "note", "created_at",
)  # fmt: skip


def generate(rows: int) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Members, flow records (1 in 20 a closed earlier record of the member before) and
    each record's last contact, as tuples in the column orders above."""
    from pypinyin import lazy_pinyin

    from liudong.core import crypto
    from liudong.members.actions import flow_scope_between
    from liudong.orgs.models import Organization, OrgKind

    rng = random.Random(SEED)
    today = datetime.date.today()
    now = datetime.datetime.now(datetime.UTC)
    branches: dict[str, list[int]] = {}
    for org in Organization.objects.filter(kind=OrgKind.BRANCH).exclude(code__contains="-"):
        branches.setdefault(org.code[:6], []).append(org.pk)
    stations = {
        int(code[-2:]): pk
        for code, pk in Organization.objects.filter(code__startswith="620800-LD").values_list(
            "code", "pk"
        )
    }
    # One ciphertext for everyone: the ledger page never decrypts, and AES for a million
    # values would be most of the set-up time.
    id_cipher = crypto.encrypt("620821198503141234", context="members.member.id_number")
    phone_cipher = crypto.encrypt("13800001111", context="members.member.phone")
    names = [s + g + h for s in SURNAMES for g in GIVEN for h in ("", "明", "华")]
    pinyin = {
        n: "".join(lazy_pinyin(n)) + " " + "".join(p[0] for p in lazy_pinyin(n)) for n in names
    }
    counties, county_w = list(COUNTY_WEIGHTS), list(COUNTY_WEIGHTS.values())
    places, place_w = list(DESTINATIONS), list(DESTINATIONS.values())
    members: list[tuple] = []
    flows: list[tuple] = []
    contacts: list[tuple] = []
    member_id = 0
    for flow_id in range(1, rows + 1):
        history = flow_id % 20 == 0 and member_id > 0  # an earlier, closed record
        if not history:
            member_id += 1
        inflow = rng.random() < 0.22
        county = rng.choices(counties, county_w)[0]
        if inflow:
            origin, destination = rng.choice(INFLOW_HOMES), rng.choice(["620802", "620881"])
            home_org = None
        else:
            origin = county
            destination = rng.choices(places, place_w)[0]
            if destination == origin:
                destination = "620802" if origin != "620802" else "620881"
            home_org = rng.choice(branches[county])
        scope = flow_scope_between(origin, destination)
        in_province = scope != "out_of_province"
        roll = rng.random()
        if history:
            status = "returned"
        elif roll < 0.007:
            status = "lost"
        elif roll < (0.90 if in_province else 0.25):
            status = "managed"
        else:
            status = "registered"
        station = STATION_BY_DISTRICT.get(destination)
        inflow_org = stations.get(station) if station and (inflow or status == "managed") else None
        if inflow and inflow_org is None:
            inflow_org = stations[9]
        left_on = today - datetime.timedelta(days=rng.randint(30, 3650))
        # Most were contacted lately; some are overdue, some never contacted.
        last_contact, roll = None, rng.random()
        if roll < 0.75:
            last_contact = today - datetime.timedelta(days=rng.randint(0, 85))
        elif roll < 0.88:
            last_contact = today - datetime.timedelta(days=rng.randint(90, 400))
        if last_contact is not None and last_contact < left_on:
            last_contact = left_on
        if not history:
            name = rng.choice(names)
            sex = "2" if rng.random() < 0.34 else "1"
            birth = today - datetime.timedelta(days=rng.randint(22 * 365, 75 * 365))
            home_name = "" if home_org else "定西市安定区中川村党支部"
            members.append((
                member_id, name, pinyin[name], sex, "01", birth, id_cipher, f"{member_id:064x}",
                "620821********1234", phone_cipher, f"{member_id:064x}", "138****1111", "21",
                birth + datetime.timedelta(days=25 * 365), "full", home_org, home_name,
                county if home_org else origin, inflow_org, None, now, now,
            ))  # fmt: skip
        closed = today - datetime.timedelta(days=1) if history else None
        flows.append((
            flow_id, member_id, "inflow" if inflow else "outflow", scope, origin, destination,
            "某街道某号", "某公司", "work", left_on, None, None, home_org,
            inflow_org, status, not history, left_on, "", closed,
            left_on if status == "managed" else None, last_contact, now,
        ))  # fmt: skip
        if last_contact is not None:
            side = home_org or inflow_org
            contacts.append(
                (len(contacts) + 1, flow_id, last_contact, "phone", None, side, "", now)
            )
    return members, flows, contacts


def write(table: str, columns: tuple[str, ...], rows: list[tuple], vendor: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if vendor == "postgresql":
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        else:
            marks = ", ".join("%s" for _ in columns)
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            for start in range(0, len(rows), 10000):
                cursor.executemany(sql, rows[start : start + 10000])


TABLES = ("members_member", "members_flowrecord", "members_contact")


def _drop_indexes() -> list[str]:
    """Drop the tables' secondary indexes (not those behind constraints); their CREATE
    statements are returned, to build each once after the load instead of row by row."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
               FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
               WHERE t.relname = ANY(%s)
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
            [list(TABLES)],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in found]


def build(rows: int, vendor: str) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import override_settings

    from liudong.demo import tree

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_places", verbosity=0)
    call_command("load_codes", verbosity=0)
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        tree.build()
    say(f"  schema, places and the demo tree: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    members, flows, contacts = generate(rows)
    say(f"  generated {len(members)} members, {len(flows)} flow records, "
        f"{len(contacts)} contacts: {time.perf_counter() - started:.1f} s")  # fmt: skip
    started = time.perf_counter()
    with transaction.atomic():
        indexes: list[str] = []
        if vendor == "postgresql":
            indexes = _drop_indexes()
            with connection.cursor() as cursor:
                # The rows are consistent by construction: skip the per-row foreign-key
                # triggers (needs a superuser, as the local server's postgres is).
                try:
                    with transaction.atomic():
                        cursor.execute("SET LOCAL session_replication_role = replica")
                except Exception:  # noqa: BLE001 — not allowed: load with the checks
                    pass
        write("members_member", MEMBER_COLUMNS, members, vendor)
        write("members_flowrecord", FLOW_COLUMNS, flows, vendor)
        write("members_contact", CONTACT_COLUMNS, contacts, vendor)
        with connection.cursor() as cursor:
            for statement in indexes:
                cursor.execute(statement)
    with connection.cursor() as cursor:
        # A table in service is kept vacuumed by autovacuum, so its visibility map lets a
        # count be answered from an index alone; a table just loaded by COPY has none yet.
        # VACUUM gives the flow records one, for ours and the limit alike (SQLite: ANALYZE).
        if vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE members_flowrecord")
        cursor.execute("ANALYZE")
    say(f"  written, indexed, vacuumed and analyzed: {time.perf_counter() - started:.1f} s")


def built(rows: int) -> bool:
    """Whether a kept database already holds this benchmark's data (``--keep``)."""
    from django.db import connection

    if "members_flowrecord" not in connection.introspection.table_names():
        return False
    from liudong.members.models import FlowRecord

    return FlowRecord.objects.count() == rows


# --- the measurement ----------------------------------------------------------------------


def ours(user: Any) -> tuple[int, list[int]]:
    """The page's way: ledger_rows through the paginator (count, then the first page)."""
    from django.core.paginator import Paginator

    from liudong.members.queries import ledger_rows

    rows = ledger_rows(user, "out_of_province", {"county": COUNTY, "status": STATUS})
    page = Paginator(rows, PAGE).get_page(1)
    return page.paginator.count, [flow.pk for flow in page.object_list]


def _columns(model: Any, alias: str, skip: tuple[str, ...] = ()) -> str:
    return ", ".join(
        f"{alias}.{f.column}" for f in model._meta.concrete_fields if f.name not in skip
    )


def limit_queries(
    org_ids: list[int], scope_ids: list[int] | None = None
) -> tuple[str, str, list[Any]]:
    """The same answer by hand: the county's organization ids instead of a path join;
    ``scope_ids``: also the viewer's scope as id-lists of both sides (the county
    administrator's page), the least the gate's condition can cost."""
    from liudong.members.models import FlowRecord, Member
    from liudong.orgs.models import Organization
    from liudong.regions.models import Place

    where = (
        "f.direction = %s AND f.flow_scope = %s AND f.is_open AND f.status = %s "
        f"AND f.home_organization_id IN ({', '.join('%s' for _ in org_ids)})"
    )
    params = ["outflow", "out_of_province", STATUS, *org_ids]
    if scope_ids is not None:
        marks = ", ".join("%s" for _ in scope_ids)
        where += (
            f" AND (f.home_organization_id IN ({marks}) OR f.inflow_organization_id IN ({marks}))"  # noqa: E501
        )
        params += [*scope_ids, *scope_ids]
    select = ", ".join([
        _columns(FlowRecord, "f"),
        _columns(Member, "m", skip=("id_number", "phone")),
        _columns(Organization, "mho"), _columns(Organization, "ho"),
        _columns(Organization, "io"),
        _columns(Place, "dp"), _columns(Place, "dp2"), _columns(Place, "dp3"),
        _columns(Place, "op"), _columns(Place, "op2"), _columns(Place, "op3"),
    ])  # fmt: skip
    # The 50 records first (one index-ordered pass), then what the rows show, for 50 only.
    page = f"""
        SELECT {select}
        FROM (SELECT * FROM members_flowrecord f WHERE {where}
              ORDER BY f.left_on DESC, f.id DESC LIMIT {PAGE}) f
        JOIN members_member m ON m.id = f.member_id
        LEFT JOIN orgs_organization mho ON mho.id = m.home_organization_id
        LEFT JOIN orgs_organization ho ON ho.id = f.home_organization_id
        LEFT JOIN orgs_organization io ON io.id = f.inflow_organization_id
        JOIN regions_place dp ON dp.code = f.destination_place_id
        LEFT JOIN regions_place dp2 ON dp2.code = dp.parent_id
        LEFT JOIN regions_place dp3 ON dp3.code = dp2.parent_id
        JOIN regions_place op ON op.code = f.origin_place_id
        LEFT JOIN regions_place op2 ON op2.code = op.parent_id
        LEFT JOIN regions_place op3 ON op3.code = op2.parent_id
        ORDER BY f.left_on DESC, f.id DESC"""
    count = f"SELECT count(*) FROM members_flowrecord f WHERE {where}"
    return page, count, params


def limit(page_sql: str, count_sql: str, params: list[Any]) -> tuple[int, list[int]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(count_sql, params)
        total = cursor.fetchone()[0]
        cursor.execute(page_sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    return total, ids


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def alternate(
    a: Callable[[], Any], b: Callable[[], Any], runs: int
) -> Iterator[tuple[float, float]]:
    for _ in range(2):  # warm-up
        a(), b()
    for _ in range(runs):
        yield timed(a)[0], timed(b)[0]


def explain(vendor: str, sql: str, params: list[Any] | None) -> None:
    from django.db import connection

    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    try:
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql, params)
            rows = cursor.fetchall()
    except Exception as exc:  # noqa: BLE001 — a plan is a diagnostic, never the result
        say(f"    (no plan: {exc})")
        return
    for row in rows:
        say("    " + " | ".join(str(c) for c in row))


def machine() -> str:
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GB"
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {memory or '? GB'}, {platform.system()} {platform.machine()}"


def measure(args: argparse.Namespace, vendor: str, *, plans: bool = False) -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Q

    from liudong.accounts.models import User
    from liudong.core.scope import scope_of
    from liudong.orgs.models import Organization

    city = User.objects.get(username="city")
    county_admin = User.objects.get(username="jingchuan")
    county = Organization.objects.get(code=COUNTY)
    org_ids = list(county.subtree().values_list("pk", flat=True))
    page_sql, count_sql, params = limit_queries(org_ids)

    a, b = ours(city), limit(page_sql, count_sql, params)
    assert a == b, f"different answers: ours {a[0]} rows, limit {b[0]} rows"
    say(f"  answer: {a[0]} matching records, first page of {len(a[1])}")
    times = list(
        alternate(lambda: ours(city), lambda: limit(page_sql, count_sql, params), args.runs)
    )
    ours_ms = statistics.median(t for t, _ in times)
    limit_ms = statistics.median(t for _, t in times)
    roots = Q()
    for root in scope_of(county_admin).roots:
        roots |= Q(path__startswith=root)
    scope_ids = list(Organization.objects.filter(roots).values_list("pk", flat=True))
    county_sql = limit_queries(org_ids, scope_ids)
    assert ours(county_admin) == limit(*county_sql)
    pairs = list(alternate(lambda: ours(county_admin), lambda: limit(*county_sql), args.runs))
    county_ms = statistics.median(t for t, _ in pairs)
    county_limit_ms = statistics.median(t for _, t in pairs)
    result: dict[str, Any] = {
        "ours_ms": round(ours_ms, 2),
        "limit_ms": round(limit_ms, 2),
        "ratio": round(ours_ms / limit_ms, 2),
        "county_admin_ms": round(county_ms, 2),
        "county_limit_ms": round(county_limit_ms, 2),
        "matching": a[0],
    }
    if plans:
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            ours(city)
        for query in captured.captured_queries:
            say(f"  EXPLAIN ours: {query['sql'][:160]}...")
            explain(vendor, query["sql"], None)
        say("  EXPLAIN limit: count")
        explain(vendor, count_sql, params)
        say("  EXPLAIN limit: page")
        explain(vendor, page_sql, params)
    return result


# Indexes the ledger would need (see docs/performance.md): the page read in index order, and
# the count answered per home organization from the index alone.
PROPOSED_INDEXES = (
    "CREATE INDEX bench_ledger_page ON members_flowrecord "
    "(direction, flow_scope, status, left_on DESC, id DESC) WHERE is_open",
    "CREATE INDEX bench_ledger_home ON members_flowrecord "
    "(home_organization_id, direction, flow_scope, status) WHERE is_open",
)


def with_proposed_indexes(args: argparse.Namespace, vendor: str) -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in PROPOSED_INDEXES:
            cursor.execute(statement)
        cursor.execute("VACUUM ANALYZE members_flowrecord" if vendor == "postgresql" else "ANALYZE")
    say("  with the proposed partial indexes:")
    result = measure(args, vendor, plans=args.explain)
    say(f"    ours {result['ours_ms']} ms, limit {result['limit_ms']} ms, ratio "
        f"{result['ratio']}; county administrator {result['county_admin_ms']} ms")  # fmt: skip
    return {"with_indexes": {k: v for k, v in result.items() if k != "matching"}}


def scan_alerts() -> dict[str, Any]:
    from liudong.members import alerts

    first_s, counts = timed(alerts.scan)
    again_s, _ = timed(alerts.scan)
    raised = sum(v for k, v in counts.items() if k.startswith("raised"))
    say(f"  alert scan: {first_s / 1000:.1f} s raising {raised} alerts; "
        f"a second scan (nothing to do): {again_s / 1000:.1f} s")  # fmt: skip
    return {"scan_s": round(first_s / 1000, 2), "rescan_s": round(again_s / 1000, 2),
            "alerts_raised": raised}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="flow records (1,000,000)")
    parser.add_argument("--quick", action="store_true", help="20,000 rows: a smoke test")
    parser.add_argument("--runs", type=int, default=15, help="measured runs of each (≥ 5)")
    parser.add_argument("--scan", action="store_true", help="also time the alert scan")
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="PostgreSQL: build into liudong_bench_keep_<rows> and keep it; reuse it next time",
    )
    parser.add_argument(
        "--try-indexes",
        action="store_true",
        help="then measure again with the proposed partial indexes",
    )
    args = parser.parse_args()
    args.runs = max(5, args.runs)
    rows = 20_000 if args.quick else args.rows

    tmp = Path(tempfile.mkdtemp(prefix="liudong-bench-"))
    os.environ["LIUDONG_VAR_DIR"] = str(tmp)  # secrets and static files of this run only
    url, vendor, drop = choose_database(tmp, f"liudong_bench_keep_{rows}" if args.keep else "")
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "liudong.settings"
    import django

    django.setup()
    from django.db import connections

    say(f"Ledger benchmark: {rows} flow records on {vendor} ({url.rsplit('/', 1)[-1]}), "
        f"{machine()}")  # fmt: skip
    try:
        if args.keep and built(rows):
            say("  reusing the kept database (--keep)")
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
        else:
            build(rows, vendor)
        result = measure(args, vendor, plans=args.explain)
        extra = scan_alerts() if args.scan else {}
        if args.try_indexes:
            extra |= with_proposed_indexes(args, vendor)
    finally:
        connections.close_all()
        drop()
        shutil.rmtree(tmp, ignore_errors=True)
    passed = result["ratio"] <= 1.5 and result["ours_ms"] < 150
    say(f"  ours (ledger_rows + paginator): {result['ours_ms']} ms median of {args.runs}")
    say(f"  limit (hand-written COUNT + page SELECT): {result['limit_ms']} ms")
    say(f"  ratio {result['ratio']} (target {TARGET}): {'pass' if passed else 'FAIL'}")
    say(f"  the same page for the 泾川 county administrator: {result['county_admin_ms']} ms "
        f"(its limit, the scope as id-lists by hand: {result['county_limit_ms']} ms)")  # fmt: skip
    print(json.dumps({
        "benchmark": "ledger", "db": vendor, "rows": rows,
        "ours_ms": result["ours_ms"], "limit_ms": result["limit_ms"], "ratio": result["ratio"],
        "target": TARGET, "pass": passed, "matching": result["matching"],
        "county_admin_ms": result["county_admin_ms"],
        "county_limit_ms": result["county_limit_ms"], "runs": args.runs, **extra,
    }, ensure_ascii=False))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
