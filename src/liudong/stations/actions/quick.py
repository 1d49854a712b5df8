"""The check-in hot path: the same rules as ``request_check_in`` in a few prepared statements."""

from __future__ import annotations

import contextlib
import datetime
import re
import weakref
import zlib
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import GenericIPAddressField, JSONField
from django.utils import timezone

from liudong.core import audit
from liudong.core.authentication import token_valid_since
from liudong.members.models import FlowRecord, FlowStatus
from liudong.orgs.models import Organization
from liudong.stations.models import (
    CheckIn,
    CheckInMethod,
    CheckInStatus,
    StationStatus,
)

# --- the check-in API's hot path ----------------------------------------------------------
#
# The same rules as ``request_check_in`` for its two common answers — a new check-in and the
# repeat of the active one at the same station — in hand-written SQL (decision 51): one
# read of token (not expired), user, organization, member, open record, station and active
# check-in; one insert that locks the record and writes the check-in and its audit row (one
# statement on PostgreSQL, two on SQLite). Every other case (no such token or an expired
# one, an inactive user, not in the ledger, no open record, an unknown or closed station,
# another active check-in, a record managed by a branch) returns None: the caller then takes
# the general path, which answers with its own error, code and message. Values are always
# bound, never formatted in.

_QUICK_READ = """\
SELECT u.id, u.username, u.organization_id, uo.path,
       m.id, m.name, f.id, f.status, f.destination_place_id,
       s.id, s.code, s.name, s.status, s.lng, s.lat,
       CASE WHEN s.branch_id IS NOT NULL THEN sb.path ELSE so.path END,
       c.id, c.station_id, c.status, c.method, c.distance_km, c.reason,
       c.requested_at, c.decided_at, c.ended_at, d.display_name, d.username
FROM authtoken_token t
JOIN accounts_user u ON u.id = t.user_id AND u.is_active
LEFT JOIN orgs_organization uo ON uo.id = u.organization_id
JOIN members_member m ON m.user_id = u.id
JOIN members_flowrecord f ON f.member_id = m.id AND f.is_open
JOIN stations_station s ON s.{station_column} = %s
LEFT JOIN orgs_organization sb ON sb.id = s.branch_id
LEFT JOIN orgs_organization so ON so.id = s.organization_id
LEFT JOIN stations_checkin c ON c.flow_id = f.id AND c.status IN (%s, %s)
LEFT JOIN accounts_user d ON d.id = c.decided_by_id
WHERE t.key = %s AND t.created >= %s
"""


# The read takes no lock: a repeat writes nothing (no commit to flush). A new check-in locks
# the record in its insert (PostgreSQL) and inserts only if the record is still open with
# the status read; on SQLite every transaction begins IMMEDIATE, so writers queue for the
# database before the read.
_QUICK_READS = {
    column: _QUICK_READ.format(station_column=column) for column in ("code", "qr_token")
}


_CHECK_IN_COLUMNS = [f for f in CheckIn._meta.concrete_fields if not f.primary_key]


_AUDIT_COLUMNS: list[Any] = []


def _audit_columns() -> list[Any]:
    """The audit row's columns but its id (read once: the model loads after this module)."""
    if not _AUDIT_COLUMNS:
        from liudong.core.models import AuditEvent

        _AUDIT_COLUMNS.extend(f for f in AuditEvent._meta.concrete_fields if not f.primary_key)
    return _AUDIT_COLUMNS


def _quick_sql(vendor: str) -> tuple[str, str]:
    """(insert of the check-in, insert of its audit row) for ``vendor``."""
    from liudong.core.models import AuditEvent

    checkin_columns = ", ".join(f.column for f in _CHECK_IN_COLUMNS)
    checkin_values = ", ".join(["%s"] * len(_CHECK_IN_COLUMNS))
    audit_fields = _audit_columns()
    audit_columns = ", ".join(f.column for f in audit_fields)
    if vendor != "postgresql":
        audit_values = ", ".join(["%s"] * len(audit_fields))
        return (
            f"INSERT INTO {CheckIn._meta.db_table} ({checkin_columns}) VALUES ({checkin_values})",
            f"INSERT INTO {AuditEvent._meta.db_table} ({audit_columns}) VALUES ({audit_values})",
        )
    # One statement: the record locked (concurrent requests for it queue here) and checked
    # again; the check-in, none if another request's active check-in is there (the partial
    # unique constraint, waited for); its audit row with the new id in object_id and
    # changes.after.id.
    selected = []
    for f in audit_fields:
        if f.name == "object_id":
            selected.append("c.id::text")
        elif f.name == "changes":
            selected.append("jsonb_set(%s, '{after,id}', to_jsonb(c.id))")
        else:
            selected.append("%s")
    return (
        f"WITH f AS (SELECT id FROM {FlowRecord._meta.db_table} "
        "WHERE id = %s AND is_open AND status = %s FOR UPDATE), "
        f"c AS (INSERT INTO {CheckIn._meta.db_table} ({checkin_columns}) "
        f"SELECT {checkin_values} FROM f ON CONFLICT DO NOTHING RETURNING id) "
        f"INSERT INTO {AuditEvent._meta.db_table} ({audit_columns}) "
        f"SELECT {', '.join(selected)} FROM c RETURNING object_id",
        "",
    )


_QUICK_INSERTS: dict[str, tuple[str, str]] = {}


_ADAPTED_ON_POSTGRESQL = (JSONField, GenericIPAddressField)


def _db_value(field: Any, value: Any, vendor: str) -> Any:
    """``field.get_db_prep_save`` where it changes something: on PostgreSQL the driver takes
    these numbers, texts and aware datetimes as they are; JSON and addresses are adapted."""
    if vendor == "postgresql" and not isinstance(field, _ADAPTED_ON_POSTGRESQL):
        return value
    return field.get_db_prep_save(value, connection)


# PostgreSQL plans a ten-table join afresh for each statement (about 0.7 ms, seven times
# its execution): the hot path's statements are prepared once per connection and executed
# by name. The values are still bound by the driver, in the ``EXECUTE``.
_PREPARED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def _execute(cursor: Any, connection: Any, name: str, sql: str, params: list[Any]) -> None:
    """Run ``sql`` with ``params``; on PostgreSQL as the prepared statement ``name``."""
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    name = f"{name}_{zlib.crc32(sql.encode()):08x}"  # another text, another statement
    prepared = _PREPARED.setdefault(connection.connection, set())
    if name not in prepared:
        numbered = iter(range(1, len(params) + 1))
        cursor.execute(f"PREPARE {name} AS " + re.sub("%s", lambda _m: f"${next(numbered)}", sql))
        prepared.add(name)
    cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)


def _answer_values(row: tuple[Any, ...], check_in: dict[str, Any]) -> dict[str, Any]:
    """What the check-in answer shows (``CheckInSerializer``'s fields, raw values)."""
    return {
        "id": check_in["id"],
        "member_name": row[5],
        "station_code": row[10],
        "station_name": row[11],
        "flow": row[6],
        "destination_place": row[8],
        **{k: check_in[k] for k in ("status", "method", "distance_km", "reason")},
        **{k: check_in[k] for k in ("requested_at", "decided_at", "decided_by", "ended_at")},
    }


def _aware(value: Any) -> Any:
    """A datetime read by hand as the ORM reads it (SQLite gives naive UTC or text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=datetime.UTC)
    return value


def quick_check_in(
    *,
    token_key: str,
    station_code: str | None = None,
    qr_token: str | None = None,
    method: str = CheckInMethod.API,
    lng: float | None = None,
    lat: float | None = None,
) -> tuple[dict[str, Any], bool] | None:
    """The API's ``request_check_in`` for a token: ``(answer values, created)``, or None
    when the general path must answer (every error, anything unusual). Same rules, same
    row, same audit row; a lost race on the one-active constraint is asked once again."""
    for _attempt in range(2):
        try:
            with _quick_transaction():
                done = _quick_check_in(
                    token_key=token_key,
                    station_code=station_code,
                    qr_token=qr_token,
                    method=method,
                    lng=lng,
                    lat=lat,
                )
            if done is not _AGAIN:
                return done
        except IntegrityError:
            # SQLite: another request for the same record committed its check-in first.
            continue
        # PostgreSQL: another request's check-in for the record was committed after our
        # read, or the record changed meanwhile: asked again, the read sees it.
    return None


_AGAIN: Any = object()


def _quick_transaction() -> Any:
    """On PostgreSQL none of its own: the read takes no lock and the insert is one statement
    (the record's lock, the check-in and its audit row commit together or not at all), so
    each runs in autocommit, without the round trips of ``BEGIN`` and ``COMMIT``; inside a
    caller's transaction, a savepoint. On SQLite a transaction (``IMMEDIATE``)."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return contextlib.nullcontext()
    return transaction.atomic()


def _quick_check_in(
    *,
    token_key: str,
    station_code: str | None,
    qr_token: str | None,
    method: str,
    lng: float | None,
    lat: float | None,
) -> Any:
    from liudong.accounts.models import User

    vendor = connection.vendor
    column, value = ("qr_token", qr_token) if qr_token else ("code", station_code)
    with connection.cursor() as cursor:
        _execute(
            cursor,
            connection,
            f"liudong_check_in_read_{column}",
            _QUICK_READS[column],
            [
                value,
                CheckInStatus.PENDING.value,
                CheckInStatus.CONFIRMED.value,
                token_key,
                connection.ops.adapt_datetimefield_value(token_valid_since()),
            ],
        )
        rows = cursor.fetchall()
        if len(rows) != 1:
            # no token (or an expired one), user, member, open record or station: the general
            # path answers
            return None
        row = rows[0]
        (user_id, username, org_id, org_path, member_id, member_name, flow_id, flow_status,
         _destination, station_id, _code, station_name, station_status, station_lng,
         station_lat, station_path, active_id, active_station_id) = row[:18]  # fmt: skip
        if station_status != StationStatus.OPEN:
            return None
        if active_id is not None:
            if active_station_id != station_id:
                return None  # pending or checked in elsewhere: refused by the general path
            decided_by = row[25] or row[26]  # ``str(user)``: the display name or user name
            return _answer_values(
                row,
                {
                    "id": active_id,
                    "status": row[18],
                    "method": row[19],
                    "distance_km": row[20],
                    "reason": row[21],
                    "requested_at": _aware(row[22]),
                    "decided_at": _aware(row[23]),
                    "decided_by": decided_by if row[26] is not None else None,
                    "ended_at": _aware(row[24]),
                },
            ), False
        if flow_status == FlowStatus.MANAGED:
            return None  # attached here already or managed elsewhere: the general path says
        if method not in CheckInMethod.values:
            method = CheckInMethod.QR
        distance_km = None
        if lng is not None and lat is not None:
            from liudong.stations.queries import haversine_km

            distance_km = round(haversine_km(lng, lat, station_lng, station_lat), 2)
        check_in = CheckIn(
            member_id=member_id,
            flow_id=flow_id,
            station_id=station_id,
            method=method,
            distance_km=distance_km,
            requested_at=timezone.now(),
        )
        actor = User(id=user_id, username=username, organization_id=org_id)
        if org_id is not None:
            actor._state.fields_cache["organization"] = Organization(id=org_id, path=org_path)
        with audit.action("checkin.request", actor=actor):
            event = audit.event_values(
                "create",
                check_in,
                changes={"after": audit.snapshot(check_in)},
                org_path=station_path,
                object_repr=f"{member_name} → {station_name}",
            )
        event["at"] = timezone.now()
        event["actor"] = user_id
        event["content_type"] = event["content_type"].pk
        checkin_values = [
            _db_value(f, getattr(check_in, f.attname), vendor) for f in _CHECK_IN_COLUMNS
        ]
        inserts = _QUICK_INSERTS.get(vendor)
        if inserts is None:
            inserts = _QUICK_INSERTS[vendor] = _quick_sql(vendor)
        if vendor == "postgresql":
            audit_values = [
                _db_value(f, event[f.name], vendor)
                for f in _audit_columns()
                if f.name != "object_id"
            ]
            _execute(
                cursor,
                connection,
                "liudong_check_in_insert",
                inserts[0],
                [flow_id, flow_status, *checkin_values, *audit_values],
            )
            inserted = cursor.fetchone()
            if inserted is None:
                return _AGAIN
            check_in.pk = int(inserted[0])
        else:
            _execute(cursor, connection, "liudong_check_in_insert", inserts[0], checkin_values)
            check_in.pk = cursor.lastrowid
            event["object_id"] = str(check_in.pk)
            event["changes"]["after"]["id"] = check_in.pk
            cursor.execute(
                inserts[1],
                [f.get_db_prep_save(event[f.name], connection) for f in _audit_columns()],
            )
    return _answer_values(
        row,
        {
            "id": check_in.pk,
            "status": check_in.status,
            "method": check_in.method,
            "distance_km": check_in.distance_km,
            "reason": check_in.reason,
            "requested_at": check_in.requested_at,
            "decided_at": None,
            "decided_by": None,
            "ended_at": None,
        },
    ), True
