"""The check-in benchmark's limit: what a check-in must do at least, written by hand.

Served by the same gunicorn, settings and middleware as the product (``benchmarks/
checkin_settings.py`` only adds this URL in front of ``liudong.urls``). For a token and a
station code, in one transaction and the fewest statements: resolve the member from the
token (not expired, active user), read the member's open record (locked) and the open
station, insert the check-in row and its audit row, commit. On PostgreSQL that is one
prepared statement in autocommit (a data-modifying CTE: read, insert, audit), on SQLite
one transaction of a read and two inserts. It applies no rule beyond what the statement
itself needs (a repeat finds the one-active constraint and inserts nothing: 200).

Since issue 13 item 4 (decision 121) a new check-in must also tell the station's staff: the
limit writes their notification rows in the same statement (one more CTE on PostgreSQL,
one more insert on SQLite: the staff found by the database from the station's side path,
as the product finds them), decision 129. Left out: the notification's own audit row and
its parameter checks, which the product writes and makes.
"""

from __future__ import annotations

import json
import re
import weakref
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from liudong.core import audit
from liudong.core.authentication import token_valid_since
from liudong.core.roles import STAFF_ROLES

_READ = """
SELECT u.id AS user_id, u.username, COALESCE(uo.path, '') AS actor_org_path,
       m.id AS member_id, m.name AS member_name, f.id AS flow_id,
       s.id AS station_id, s.name AS station_name, COALESCE(sb.path, so.path) AS org_path
FROM authtoken_token t
JOIN accounts_user u ON u.id = t.user_id AND u.is_active
LEFT JOIN orgs_organization uo ON uo.id = u.organization_id
JOIN members_member m ON m.user_id = u.id
JOIN members_flowrecord f ON f.member_id = m.id AND f.is_open
JOIN stations_station s ON s.code = %s AND s.status = 'open'
LEFT JOIN orgs_organization sb ON sb.id = s.branch_id
LEFT JOIN orgs_organization so ON so.id = s.organization_id
WHERE t.key = %s AND t.created >= %s
"""

_STAFF = ", ".join(f"'{role}'" for role in sorted(STAFF_ROLES))
# The station's staff told of the new check-in (``c``, ``r``): a row each.
_NOTIFY = f"""
INSERT INTO notifications_notification
  (recipient_id, kind, params, link, created_at, source_type_id, source_id)
SELECT u.id, 'checkin.pending', {{params}}, %s, %s, %s, {{source}}
FROM {{rows}} JOIN orgs_organization o ON o.path = {{path}}
JOIN accounts_user u ON u.organization_id = o.id AND u.is_active AND u.role IN ({_STAFF})
ON CONFLICT DO NOTHING"""
_CHECK_IN_COLUMNS = (
    "member_id, flow_id, station_id, status, method, distance_km, reason, requested_at, "
    "decided_at, decided_by_id, ended_at"
)
_AUDIT_COLUMNS = (
    "at, kind, verb, actor_id, actor_name, actor_org_path, org_path, content_type_id, "
    "object_id, object_repr, changes, reason, detail, result, ip, request_id, user_agent"
)

# PostgreSQL: one statement. $1 code, $2 token, $3 valid since, $4 now, $5 content type,
# $6 changes (without the id), $7 address, $8 request id, $9 user agent; the notification's
# link, time and source type.
_PG = f"""
WITH r AS ({_READ} FOR UPDATE OF f),
c AS (
  INSERT INTO stations_checkin ({_CHECK_IN_COLUMNS})
  SELECT member_id, flow_id, station_id, 'pending', 'api', NULL, '', %s, NULL, NULL, NULL
  FROM r ON CONFLICT DO NOTHING RETURNING id, flow_id, member_id, station_id
),
a AS (
  INSERT INTO core_auditevent ({_AUDIT_COLUMNS})
  SELECT %s, 'create', 'checkin.request', r.user_id, r.username, r.actor_org_path,
         r.org_path, %s, c.id::text, r.member_name || ' → ' || r.station_name,
         jsonb_set(jsonb_set(jsonb_set(jsonb_set(jsonb_set(%s::jsonb,
           '{{after,id}}', to_jsonb(c.id)), '{{after,member}}', to_jsonb(c.member_id)),
           '{{after,flow}}', to_jsonb(c.flow_id)), '{{after,station}}', to_jsonb(c.station_id)),
           '{{after,requested_at}}', to_jsonb(%s::text)),
         '', '', 'ok', %s, %s, %s
  FROM c JOIN r ON r.flow_id = c.flow_id
  RETURNING object_id
),
n AS ({
    _NOTIFY.format(
        params="jsonb_build_object('member', r.member_name, 'station', r.station_name)",
        source="c.id::text",
        rows="c JOIN r ON r.flow_id = c.flow_id",
        path="r.org_path",
    )
} RETURNING id)
SELECT c.id FROM c
"""

_PREPARED: weakref.WeakSet[Any] = weakref.WeakSet()  # connections that prepared it


def _after(now: str) -> dict[str, Any]:
    return {
        "after": {
            "id": None, "member": None, "flow": None, "station": None, "status": "pending",
            "method": "api", "distance_km": None, "reason": "", "requested_at": now,
            "decided_at": None, "decided_by": None, "ended_at": None,
        }
    }  # fmt: skip


def _postgresql(code: str, key: str, ctx: Any) -> int | None:
    now = timezone.now()
    params = [
        code, key, token_valid_since(now), now, now, ContentType.objects.get_for_model(
            _check_in_model()).pk, json.dumps(_after(now.isoformat())), now.isoformat(),
        ctx.ip, ctx.request_id, ctx.user_agent[:300], _LINK, now, ContentType.objects.get_for_model(
            _check_in_model()).pk,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        raw = connection.connection
        if raw not in _PREPARED:
            numbered = iter(range(1, len(params) + 1))
            text = re.sub("%s", lambda _m: f"${next(numbered)}", _PG)
            cursor.execute(f"PREPARE check_in_limit AS {text}")
            _PREPARED.add(raw)
        cursor.execute(f"EXECUTE check_in_limit ({', '.join(['%s'] * len(params))})", params)
        row = cursor.fetchone()
    return row[0] if row else None


def _sqlite(code: str, key: str, ctx: Any) -> int | None:
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_READ, [code, key, stamp(token_valid_since(now))])
        row = cursor.fetchone()
        if row is None:
            return None
        user_id, username, actor_path, member_id, member_name, flow_id, station_id = row[:7]
        station_name, org_path = row[7:]
        cursor.execute(
            f"INSERT OR IGNORE INTO stations_checkin ({_CHECK_IN_COLUMNS}) "
            "VALUES (%s, %s, %s, 'pending', 'api', NULL, '', %s, NULL, NULL, NULL)",
            [member_id, flow_id, station_id, stamp(now)],
        )
        if not cursor.rowcount:
            return None
        pk = cursor.lastrowid
        changes = _after(now.isoformat())
        changes["after"].update(id=pk, member=member_id, flow=flow_id, station=station_id)
        cursor.execute(
            f"INSERT INTO core_auditevent ({_AUDIT_COLUMNS}) VALUES (%s, 'create', "
            "'checkin.request', %s, %s, %s, %s, %s, %s, %s, %s, '', '', 'ok', %s, %s, %s)",
            [stamp(now), user_id, username, actor_path, org_path,
             ContentType.objects.get_for_model(_check_in_model()).pk, str(pk),
             f"{member_name} → {station_name}", json.dumps(changes), ctx.ip,
             ctx.request_id, ctx.user_agent[:300]],
        )  # fmt: skip
        cursor.execute(
            _NOTIFY.format(
                params="json_object('member', %s, 'station', %s)", source="%s",
                rows="(SELECT 1)", path="%s",
            ).replace("ON CONFLICT", "WHERE true ON CONFLICT"),
            [member_name, station_name, _LINK, stamp(now),
             ContentType.objects.get_for_model(_check_in_model()).pk, str(pk), org_path],
        )  # fmt: skip
    return pk


_LINK = "/stations/check-ins/#to-answer"  # as the product's (notices._to_answer_link)


def _check_in_model() -> Any:
    from liudong.stations.models import CheckIn

    return CheckIn


@csrf_exempt
def check_in_limit(request: HttpRequest) -> HttpResponse:
    """``POST {"station": code}`` with ``Authorization: Token …``: 201 new, 200 otherwise."""
    key = request.META.get("HTTP_AUTHORIZATION", "").split()[-1]
    code = json.loads(request.body)["station"]
    write = _postgresql if connection.vendor == "postgresql" else _sqlite
    pk = write(code, key, audit.current())
    body = json.dumps({"id": pk}).encode()
    return HttpResponse(body, status=201 if pk else 200, content_type="application/json")


urlpatterns = [
    path("bench/check-in-limit/", check_in_limit),
    path("", include("liudong.urls")),
]
