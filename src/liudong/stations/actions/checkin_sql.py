"""The statements of asking to check in (decision 51; one implementation since decision 84).

:mod:`liudong.stations.actions.checkin` decides; this module reads and writes, with
hand-written SQL, for every caller (the member's page, the API's general path and its
token path):

- one read of everything the rules look at: the user (by id, or by an API token that is
  not expired and an active user), the member, the member's open record, the station (by
  id, code or QR token), the record's active check-in with its station's name and who
  decided it. Every join is an outer one, so what is missing is a ``None`` the rules name;
- one insert that locks the record, checks it again (still open, same status), writes the
  check-in (none if another request's active check-in is there: the partial unique
  constraint, waited for) and its audit row (one statement on PostgreSQL, two on SQLite).
  On PostgreSQL's one-statement path the station's staff are told in the same statement
  (the notification's CTEs, ``notifications.actions.notify_within``; decision 129).

Values are always bound, never formatted in. On PostgreSQL each statement is prepared once
per connection and executed by name (planning a ten-table join costs more than running it).
"""

from __future__ import annotations

import datetime
import functools
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import GenericIPAddressField, JSONField
from django.utils import timezone

from liudong.core import prepared
from liudong.core.authentication import token_valid_since
from liudong.members.models import FlowRecord
from liudong.stations.models import CheckIn, CheckInStatus

_READ = """\
SELECT u.id, u.username, u.organization_id, uo.path,
       m.id, m.name, m.home_organization_id, m.inflow_organization_id,
       f.id, f.status, f.destination_place_id, f.home_organization_id,
       f.inflow_organization_id,
       s.id, s.code, s.name, s.status, s.lng, s.lat, s.branch_id,
       CASE WHEN s.branch_id IS NOT NULL THEN sb.path ELSE so.path END,
       c.id, c.station_id, cs.name, c.status, c.method, c.distance_km, c.reason,
       c.requested_at, c.decided_at, c.ended_at, d.id, d.display_name, d.username, k.id
FROM {who}
LEFT JOIN orgs_organization uo ON uo.id = u.organization_id
LEFT JOIN members_member m ON m.user_id = u.id
LEFT JOIN members_flowrecord f ON f.member_id = m.id AND f.is_open
LEFT JOIN stations_station s ON s.{station_column} = %s
LEFT JOIN orgs_organization sb ON sb.id = s.branch_id
LEFT JOIN orgs_organization so ON so.id = s.organization_id
LEFT JOIN stations_checkin c ON c.flow_id = f.id AND c.status IN (%s, %s)
LEFT JOIN stations_station cs ON cs.id = c.station_id
LEFT JOIN accounts_user d ON d.id = c.decided_by_id
LEFT JOIN stations_checkin k ON k.member_id = m.id AND k.idempotency_key = %s
WHERE {where}
"""

# How the user is named: by their id (a signed-in page or API session), or by an API token.
_WHO = {
    "user": ("accounts_user u", "u.id = %s"),
    "token": (
        "authtoken_token t JOIN accounts_user u ON u.id = t.user_id AND u.is_active",
        "t.key = %s AND t.created >= %s",
    ),
}
_READS = {
    (who, column): _READ.format(who=_WHO[who][0], where=_WHO[who][1], station_column=column)
    for who in _WHO
    for column in ("id", "code", "qr_token")
}


class Facts(NamedTuple):
    """What the read found (``None`` where there is nothing)."""

    user_id: int
    username: str
    user_organization_id: int | None
    user_organization_path: str | None
    member_id: int | None
    member_name: str | None
    member_home_organization_id: int | None
    member_inflow_organization_id: int | None
    flow_id: int | None
    flow_status: str | None
    destination_place_id: str | None
    home_organization_id: int | None
    inflow_organization_id: int | None
    station_id: int | None
    station_code: str | None
    station_name: str | None
    station_status: str | None
    station_lng: float | None
    station_lat: float | None
    station_branch_id: int | None
    station_path: str | None
    active_id: int | None
    active_station_id: int | None
    active_station_name: str | None
    active_status: str | None
    active_method: str | None
    active_distance_km: float | None
    active_reason: str | None
    active_requested_at: Any
    active_decided_at: Any
    active_ended_at: Any
    decided_by_id: int | None
    decided_by_display_name: str | None
    decided_by_username: str | None
    keyed_id: int | None  # the member's check-in made with this idempotency key, if any


_KEY_FIELD = CheckIn._meta.get_field("idempotency_key")


def _params(who: str, key: Any, station: Any, idempotency_key: Any) -> list[Any]:
    """The read's parameters, in the order of its placeholders."""
    params = [
        station,
        CheckInStatus.PENDING.value,
        CheckInStatus.CONFIRMED.value,
        _KEY_FIELD.get_db_prep_value(idempotency_key, connection),
        key,
    ]
    if who == "token":
        params.append(connection.ops.adapt_datetimefield_value(token_valid_since()))
    return params


def read(
    *, who: str, key: Any, station_column: str, station: Any, idempotency_key: Any = None
) -> Facts | None:
    """The facts for ``who`` ("user": a user id; "token": an API token's key) and the
    station whose ``station_column`` is ``station`` (and the member's check-in made with
    ``idempotency_key``, if any); None when no such user or token."""
    params = _params(who, key, station, idempotency_key)
    with connection.cursor() as cursor:
        execute(
            cursor, f"liudong_check_in_read_{who}_{station_column}",
            _READS[who, station_column], params,
        )  # fmt: skip
        rows = cursor.fetchall()
    if not rows:
        return None
    return Facts(*rows[0])


def aware(value: Any) -> Any:
    """A datetime read by hand as the ORM reads it (SQLite gives naive UTC or text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=datetime.UTC)
    return value


# --- the insert ---------------------------------------------------------------------------

_CHECK_IN_COLUMNS = [f for f in CheckIn._meta.concrete_fields if not f.primary_key]


@functools.cache
def _audit_columns() -> tuple[Any, ...]:
    """The audit row's columns but its id (read on first use: the model loads after this
    module). Cached as one value, never filled in place: the server's threads may ask at
    the same moment, and a list two of them extend at once would name each column twice."""
    from liudong.core.models import AuditEvent

    return tuple(f for f in AuditEvent._meta.concrete_fields if not f.primary_key)


def _insert_sql(vendor: str) -> tuple[str, str]:
    """(insert of the check-in, insert of its audit row) for ``vendor``."""
    from liudong.core.models import AuditEvent

    checkin_columns = ", ".join(f.column for f in _CHECK_IN_COLUMNS)
    checkin_values = ", ".join(["%s"] * len(_CHECK_IN_COLUMNS))
    audit_fields = _audit_columns()
    audit_columns = ", ".join(f.column for f in audit_fields)
    if vendor != "postgresql":
        audit_values = ", ".join(["%s"] * len(audit_fields))
        # Every transaction on SQLite begins IMMEDIATE: nothing changed since the read.
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


_INSERTS: dict[str, tuple[str, str]] = {}
_ADAPTED_ON_POSTGRESQL = (JSONField, GenericIPAddressField)


def _db_value(field: Any, value: Any, vendor: str) -> Any:
    """``field.get_db_prep_save`` where it changes something: on PostgreSQL the driver takes
    these numbers, texts and aware datetimes as they are; JSON and addresses are adapted."""
    if vendor == "postgresql" and not isinstance(field, _ADAPTED_ON_POSTGRESQL):
        return value
    return field.get_db_prep_save(value, connection)


def insert(check_in: CheckIn, flow_status: str, event: dict[str, Any]) -> int | None:
    """Insert ``check_in`` (its record still open with ``flow_status``) and its audit row
    ``event`` (``audit.event_values``); the new id, or None when nothing was inserted (the
    record changed, or another active check-in is there: read again). On SQLite a lost race
    on the one-active constraint raises ``IntegrityError`` instead."""
    vendor = connection.vendor
    inserts = _INSERTS.get(vendor)
    if inserts is None:
        inserts = _INSERTS[vendor] = _insert_sql(vendor)
    values = [_db_value(f, getattr(check_in, f.attname), vendor) for f in _CHECK_IN_COLUMNS]
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            audit_values = [
                _db_value(f, event[f.name], vendor)
                for f in _audit_columns()
                if f.name != "object_id"
            ]
            execute(
                cursor, "liudong_check_in_insert", inserts[0],
                [check_in.flow_id, flow_status, *values, *audit_values],
            )  # fmt: skip
            inserted = cursor.fetchone()
            return int(inserted[0]) if inserted is not None else None
        execute(cursor, "liudong_check_in_insert", inserts[0], values)
        pk = cursor.lastrowid
        event["object_id"] = str(pk)
        event["changes"]["after"]["id"] = pk
        cursor.execute(
            inserts[1], [f.get_db_prep_save(event[f.name], connection) for f in _audit_columns()]
        )
    return pk


def lock_open_record(member_id: int) -> None:
    """Lock the member's open record (a read again after a lost race queues behind it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {FlowRecord._meta.db_table} WHERE member_id = %s AND is_open"
            + (" FOR UPDATE" if connection.vendor == "postgresql" else ""),
            [member_id],
        )


# --- read, decide and insert at once (PostgreSQL) ------------------------------------------

# The read (as ``r``, its columns named as Facts), the rules' "may insert" (as ``ok``), then
# the insert's statement over them: the record locked and checked again, the check-in (none
# if another request's active check-in is there), its audit row. Returns the facts and the
# new id (NULL when nothing was inserted: the caller decides from the facts).
_AT_ONCE = """\
WITH r({names}) AS ({read}),
ok AS (SELECT * FROM r WHERE {may}),
f AS (SELECT fr.id FROM {flows} fr JOIN ok ON fr.id = ok.flow_id
      WHERE fr.is_open AND fr.status = ok.flow_status FOR UPDATE OF fr),
c AS (INSERT INTO {checkins} ({checkin_columns}) SELECT {checkin_values} FROM f JOIN r
      ON r.flow_id = f.id ON CONFLICT DO NOTHING RETURNING id),
a AS (INSERT INTO {audits} ({audit_columns}) SELECT {audit_values} FROM c, r
      RETURNING object_id){told}
SELECT r.*, (SELECT id FROM c){told_ids} FROM r
"""
_FROM_FACTS = {"member_id": "r.member_id", "flow_id": "r.flow_id", "station_id": "r.station_id"}
# A new check-in's values that are the same for every check-in the one statement inserts
# (asked without a distance: the model's defaults), written into its text, not bound: the
# fewer values a request adapts, the less it costs (decision 203). ``read_and_insert``
# checks that the check-in it is given has them.
FIXED_AT_ONCE = {
    "status": CheckInStatus.PENDING.value, "distance_km": None, "reason": "", "decided_at": None,
    "decided_by_id": None, "ended_at": None,
}  # fmt: skip


def _literal(field: Any, value: Any) -> str:
    """``value`` of ``field`` as SQL text: NULL, or a plain word (a code's value)."""
    kind = field.db_type(connection)
    if value is None:
        return f"CAST(NULL AS {kind})"
    if not (isinstance(value, str) and (value == "" or value.isidentifier())):
        raise ValueError(f"not a plain word: {value!r}")
    return f"CAST('{value}' AS {kind})"


_AUDIT_FROM_FACTS = {
    # as ``audit.event_values`` names the user of the token acting at the station
    "actor": "r.user_id",
    "actor_name": "r.username",
    "actor_org_path": "COALESCE(r.user_organization_path, '')",
    "org_path": "COALESCE(NULLIF(r.station_path, ''), r.user_organization_path, '')",
    "object_id": "c.id::text",
    "object_repr": "left(r.member_name || ' \u2192 ' || r.station_name, 200)",
    "changes": (
        "jsonb_set(jsonb_set(jsonb_set(jsonb_set(%s, '{after,id}', to_jsonb(c.id)), "
        "'{after,member}', to_jsonb(r.member_id)), '{after,flow}', to_jsonb(r.flow_id)), "
        "'{after,station}', to_jsonb(r.station_id))"
    ),
}


def _at_once_sql(who: str, station_column: str, may: str, told: str) -> str:
    from liudong.core.models import AuditEvent

    return _AT_ONCE.format(
        told=f",\n{told}" if told else "",
        told_ids=", (SELECT array_agg(id) FROM notified)" if told else "",
        names=", ".join(Facts._fields),
        read=_READS[who, station_column],
        may=may,
        flows=FlowRecord._meta.db_table,
        checkins=CheckIn._meta.db_table,
        checkin_columns=", ".join(f.column for f in _CHECK_IN_COLUMNS),
        checkin_values=", ".join(
            _FROM_FACTS.get(f.attname)
            or (_literal(f, FIXED_AT_ONCE[f.attname]) if f.attname in FIXED_AT_ONCE else "%s")
            for f in _CHECK_IN_COLUMNS
        ),
        audits=AuditEvent._meta.db_table,
        audit_columns=", ".join(f.column for f in _audit_columns()),
        audit_values=", ".join(_AUDIT_FROM_FACTS.get(f.name, "%s") for f in _audit_columns()),
    )


_AT_ONCE_SQL: dict[tuple[str, str, str, str], str] = {}


def read_and_insert(
    *,
    who: str,
    key: Any,
    station_column: str,
    station: Any,
    may: tuple[str, list[Any]],
    check_in: dict[str, Any],
    event: dict[str, Any],
    told: Any = None,
    idempotency_key: Any = None,
) -> tuple[Facts | None, int | None, list[int] | None]:
    """PostgreSQL, in autocommit: :func:`read` and, when the facts satisfy ``may`` (the
    rules' SQL and its parameters), :func:`insert` of ``check_in`` (its field values by
    attname; its member, record and station those of the facts) and its audit row
    ``event`` (its actor, paths, object and the ids in ``changes`` those of the facts), in
    one statement: (the facts, the new id or None). ``told``: a notification of the new
    check-in as CTEs over ``r`` and ``c`` (``notifications.actions.notify_within``),
    written in the same statement: then also the ids of its rows (else None)."""
    shape = (who, station_column, may[0], told.sql if told is not None else "")
    statement = _AT_ONCE_SQL.get(shape)
    if statement is None:
        statement = _AT_ONCE_SQL[shape] = _at_once_sql(*shape)
    params = _params(who, key, station, idempotency_key)
    params.extend(may[1])
    if any(check_in[name] != value for name, value in FIXED_AT_ONCE.items()):
        raise ValueError("the one statement inserts a new check-in with the defaults only")
    params.extend(
        _db_value(f, check_in[f.attname], "postgresql")
        for f in _CHECK_IN_COLUMNS
        if f.attname not in _FROM_FACTS and f.attname not in FIXED_AT_ONCE
    )
    params.extend(
        _db_value(f, event[f.name], "postgresql")
        for f in _audit_columns()
        if f.name not in _AUDIT_FROM_FACTS or f.name == "changes"
    )
    if told is not None:
        params.extend(told.params)
    with connection.cursor() as cursor:
        execute(cursor, f"liudong_check_in_at_once_{who}_{station_column}", statement, params)
        row = cursor.fetchone()
    if row is None:
        return None, None, None
    if told is None:
        return Facts(*row[:-1]), row[-1], None
    return Facts(*row[:-2]), row[-2], row[-1]


# --- prepared statements: core.prepared (shared with the notification of a new check-in) ---

execute = prepared.execute
