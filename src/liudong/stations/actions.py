"""Every state change of stations and check-ins: atomic, audited, raising domain errors.

Lifecycle rules of flow records stay in the ledger (:mod:`liudong.members.actions`): a
confirmed check-in calls the ledger's ``check_in`` and a check-out its ``mark_returned``.
This module decides who may ask (the member, for their own record) and who may answer
(the station's side), then hands the record change to the ledger in the same transaction.
"""

from __future__ import annotations

import contextlib
import datetime
import re
import weakref
import zlib
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import GenericIPAddressField, JSONField, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.codes import queries as codes
from liudong.core import audit
from liudong.core.authentication import token_valid_since
from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.scope import CHANGE, SYSTEM, can_see, may, scope_of
from liudong.members import actions as ledger
from liudong.members.models import Direction, FlowRecord, FlowStatus, Member, Membership
from liudong.orgs.models import Organization, OrgKind
from liudong.regions.models import Place
from liudong.stations.models import (
    ACTIVE_CHECK_IN,
    CheckIn,
    CheckInMethod,
    CheckInStatus,
    Station,
    StationKind,
    StationStatus,
    new_qr_token,
)

STATION_FIELDS = [
    "code",
    "name",
    "kind",
    "host_kind",
    "host_name",
    "host_contact",
    "host_telephone",
    "address",
    "lng",
    "lat",
    "opened_on",
    "status",
    "services",
    "opening_hours",
]
# A mobile branch needs at least this many full members before it is established.
BRANCH_MINIMUM_FULL_MEMBERS = 3
# Who may approve a mobile branch: a county-level or higher committee (or its department).
APPROVING_KINDS = (
    OrgKind.COUNTY_COMMITTEE,
    OrgKind.CITY_COMMITTEE,
    OrgKind.ORG_DEPARTMENT,
    OrgKind.WORKING_COMMITTEE,
)


def _validate(fields: dict[str, Any], place: Place) -> None:
    if fields.get("kind") not in StationKind.values:
        raise DomainError("invalid_kind", _("Choose liaison or service station."), "kind")
    codes.validate("host_site_kind", fields.get("host_kind", ""), field="host_kind")
    lng, lat = fields.get("lng"), fields.get("lat")
    if lng is None or lat is None or not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise DomainError("invalid_coordinates", _("Longitude or latitude out of range."), "lng")
    if place.level != 3:
        raise DomainError("place_not_county", _("Choose a county-level place."), "place")
    for service in fields.get("services") or []:
        codes.validate("service_kind", service, field="services")
    if fields.get("status", StationStatus.OPEN) not in StationStatus.values:
        raise DomainError("invalid_status", _("Choose planned, open or closed."), "status")


def _require_station_side(by: Any, station: Station) -> None:
    """The actor works for the station: its branch's subtree is in their scope."""
    if by is None:
        return
    if not (by.is_superuser or by.is_staff_role):
        raise PermissionDenied("forbidden", _("Only the station's staff can do this."))
    if not can_see(by, station):
        raise ScopeError("not_found", _("Not found, or not within your organization's scope."))
    if not may(by, station, "staff"):
        raise PermissionDenied("not_station_side", _("Only the station's staff can do this."))


@transaction.atomic
def create_station(
    *,
    by: Any,
    organization: Organization,
    place: Place,
    branch: Organization | None = None,
    **fields: Any,
) -> Station:
    """Open (or plan) a station run by ``organization``; ``branch`` is its mobile branch,
    created under ``organization`` when not given."""
    from liudong.orgs import actions as orgs

    unknown = set(fields) - set(STATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown station fields: {sorted(unknown)}")
    _validate(fields, place)
    if by is not None and not scope_of(by).covers_path(organization.path):
        raise ScopeError(
            "organization_out_of_scope",
            _("That organization is not within your scope."),
            "organization",
        )
    if Station.objects.filter(code=fields["code"]).exists():
        raise DomainError("duplicate_code", _("A station with this code exists."), "code")
    with audit.action("station.create", actor=by):
        if branch is None:
            branch = orgs.create_organization(
                by=by,
                parent=organization,
                code=f"{fields['code']}-BR",
                name=_("%(station)s party branch") % {"station": fields["name"]},
                kind=OrgKind.MOBILE_BRANCH,
                place=place,
                address=fields.get("address", ""),
            )
        return Station.objects.create(
            organization=organization, place=place, branch=branch, **fields
        )


@transaction.atomic
def rotate_qr_token(*, by: Any, station: Station) -> Station:
    """A new QR link: posters printed before stop working (say, a poster put up wrongly)."""
    _require_station_side(by, station)
    station = Station.objects.select_for_update().get(pk=station.pk)
    with audit.action("station.rotate_qr", actor=by):
        station.qr_token = new_qr_token()
        station.save(update_fields=["qr_token", "updated_at"])
    return station


def full_members_of_branch(station: Station) -> int:
    """Full (not probationary) members managed by the station: open records it holds."""
    if station.branch_id is None:
        return 0
    return (
        Member.objects.filter(
            membership=Membership.FULL,
            flows__is_open=True,
            flows__status=FlowStatus.MANAGED,
            flows__inflow_organization=station.branch_id,
        )
        .distinct()
        .count()
    )


@transaction.atomic
def establish_branch(
    *,
    by: Any,
    station: Station,
    approved_by: Organization,
    approved_on: datetime.date,
    reference: str = "",
) -> Station:
    """Record the committee's approval and mark the mobile branch established."""
    if by is not None and not may(by, station, CHANGE):
        raise PermissionDenied(
            "forbidden", _("The organization running the station records its branch.")
        )
    station = Station.objects.select_for_update().get(pk=station.pk)
    if station.branch_id is None:
        raise DomainError("no_branch", _("This station has no mobile branch yet."), "branch")
    if station.branch_established_on is not None:
        raise DomainError("already_established", _("This branch is already established."), "branch")
    if approved_by is None or approved_by.kind not in APPROVING_KINDS:
        raise DomainError(
            "approver_not_committee",
            _("A mobile branch is approved by a county-level or higher committee."),
            "approved_by",
        )
    if approved_on is None or approved_on > timezone.localdate():
        raise DomainError("date_invalid", _("Enter the date of approval."), "approved_on")
    full = full_members_of_branch(station)
    if full < BRANCH_MINIMUM_FULL_MEMBERS:
        raise DomainError(
            "too_few_members",
            _(
                "A branch needs at least %(minimum)d full members; this one has %(count)d. "
                "Confirm more check-ins first."
            )
            % {"minimum": BRANCH_MINIMUM_FULL_MEMBERS, "count": full},
            "branch",
        )
    with audit.action("station.establish_branch", actor=by):
        station.branch_approved_by = approved_by
        station.branch_approved_on = approved_on
        station.branch_approval_reference = reference.strip()[:60]
        station.branch_established_on = approved_on
        station.save()
    return station


# --- check-in ------------------------------------------------------------------------------


def _member_of(by: Any) -> Member:
    member = (
        Member.objects.filter(user=by.pk)
        .only("id", "user_id", "home_organization_id", "inflow_organization_id", "name")
        .first()
        if by is not None
        else None
    )
    if member is None:
        raise DomainError(
            "not_in_ledger",
            _(
                "Your account is not linked to an entry in the ledger. Ask your home branch "
                "or the station's staff to record you."
            ),
        )
    return member


def _refuse_active(active: CheckIn) -> DomainError:
    if active.status == CheckInStatus.PENDING:
        return DomainError(
            "pending_elsewhere",
            _(
                "Your check-in at %(station)s is awaiting confirmation. Cancel it first if you "
                "want to check in here instead."
            )
            % {"station": active.station.name},
            "station",
        )
    return DomainError(
        "checked_in_elsewhere",
        _("You are checked in at %(station)s. Check out there first.")
        % {"station": active.station.name},
        "station",
    )


@transaction.atomic
def register_own_flow(
    *,
    by: Any,
    station: Station,
    destination_place: Place | None,
    reason: str,
    left_on: datetime.date | None,
    destination_address: str = "",
    employer: str = "",
) -> FlowRecord:
    """A member without an open record registers one (the five facts) on the check-in page.

    The ledger's ``register_flow`` applies its rules; the contact (fifth fact) is the phone
    the member signed in with. A member from elsewhere comes in to the station's branch.
    """
    member = _member_of(by)
    if not employer.strip() and not destination_address.strip():
        raise DomainError(
            "employer_or_address_required",
            _("Enter your employer or your address there."),
            "employer",
        )
    if left_on is None:
        raise DomainError("left_on_required", _("Enter when you left."), "left_on")
    direction = Direction.OUTFLOW if member.home_organization_id else Direction.INFLOW
    with audit.action("flow.register_self", actor=by):
        return ledger.register_flow(
            by=SYSTEM,  # the member registers their own record; checked above
            member=member,
            direction=direction,
            destination_place=destination_place,
            reason=reason,
            left_on=left_on,
            destination_address=destination_address,
            employer=employer,
            inflow_organization=station.branch if direction == Direction.INFLOW else None,
        )


# What asking to check in reads of the member's record and of the member (the hot path of
# the check-in API: no personal fields to decrypt, no columns nobody looks at).
_FLOW_CHECK_IN_FIELDS = (
    "id", "member_id", "status", "home_organization_id", "inflow_organization_id",
    "destination_place_id", "member__id", "member__name", "member__user_id",
    "member__home_organization_id", "member__inflow_organization_id",
)  # fmt: skip


def request_check_in(
    *,
    by: Any,
    station: Station,
    method: str = CheckInMethod.QR,
    distance_km: float | None = None,
) -> tuple[CheckIn, bool]:
    """The member asks to check in at ``station``: ``(check_in, created)``.

    Idempotent: asking again for the same station returns the active check-in. One active
    check-in per record is a database constraint; a request that loses a race on it (two
    taps at once) is rolled back and answered again, which returns the row the other
    request made.
    """
    try:
        return _request_check_in(by=by, station=station, method=method, distance_km=distance_km)
    except IntegrityError:
        # The unique constraint: another request for the same record committed its
        # check-in after this one read. Inside a caller's transaction the atomic block
        # below was a savepoint, so asking again is safe there too.
        return _request_check_in(by=by, station=station, method=method, distance_km=distance_km)


@transaction.atomic
def _request_check_in(
    *, by: Any, station: Station, method: str, distance_km: float | None
) -> tuple[CheckIn, bool]:
    if station.status != StationStatus.OPEN:
        _member_of(by)  # "not in the ledger" first: it says what to do next
        raise DomainError(
            "station_not_open",
            _("This station is not open for check-in. Choose another station nearby."),
            "station",
        )
    if method not in CheckInMethod.values:
        method = CheckInMethod.QR
    # One statement: the member's open record, locked (concurrent requests for it queue
    # here), with the member and the id of the record's active check-in, if any.
    flow = (
        FlowRecord.objects.select_for_update(of=("self",))
        .select_related("member")
        .only(*_FLOW_CHECK_IN_FIELDS)
        .annotate(
            active_check_in_id=Subquery(
                CheckIn.objects.filter(flow=OuterRef("pk"), status__in=ACTIVE_CHECK_IN)
                .order_by()
                .values("pk")[:1]
            )
        )
        .filter(member__user=by.pk, is_open=True)
        .order_by()
        .first()
        if by is not None
        else None
    )
    if flow is None:
        _member_of(by)
        raise DomainError(
            "no_open_flow",
            _("You have no open flow record. Register where you are now first."),
            "flow",
        )
    member = flow.member
    if flow.active_check_in_id is not None:
        active = CheckIn.objects.select_related("station").get(pk=flow.active_check_in_id)
        active.flow, active.member = flow, member  # what the answer shows: no second query
        if active.station_id == station.pk:
            return active, False
        raise _refuse_active(active)
    if flow.status == FlowStatus.MANAGED:
        if flow.inflow_organization_id and flow.inflow_organization_id == station.branch_id:
            raise DomainError(
                "already_attached", _("You are already attached to this station."), "station"
            )
        raise DomainError(
            "managed_elsewhere",
            _(
                "Your record is managed by %(org)s. Ask them to release you before you check "
                "in at another station."
            )
            % {"org": flow.inflow_organization or flow.home_organization},
            "station",
        )
    check_in = CheckIn(
        member=member,
        flow=flow,
        station=station,
        method=method,
        distance_km=round(distance_km, 2) if distance_km is not None else None,
    )
    with audit.action("checkin.request", actor=by):
        check_in.save()
    return check_in, True


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


def _locked(check_in: CheckIn) -> CheckIn:
    return (
        CheckIn.objects.select_for_update(of=("self",))
        .select_related("station__branch", "station__organization", "flow", "member")
        .get(pk=check_in.pk)
    )


def _require_pending(check_in: CheckIn) -> None:
    if check_in.status != CheckInStatus.PENDING:
        raise DomainError(
            "not_pending",
            _("This check-in is no longer awaiting confirmation (now: %(status)s).")
            % {"status": check_in.get_status_display()},
            "status",
        )


@transaction.atomic
def confirm_check_in(*, by: Any, check_in: CheckIn, note: str = "") -> CheckIn:
    """The station confirms: the record becomes managed, attached to the station's branch."""
    check_in = _locked(check_in)
    _require_station_side(by, check_in.station)
    _require_pending(check_in)
    with audit.action("checkin.confirm", actor=by, reason=note):
        # The ledger's lifecycle rule decides whether the record may become managed; the
        # station's right to answer was checked above (the record is not in its scope yet).
        ledger.check_in(
            by=SYSTEM,  # on the station side's behalf, checked above
            flow=check_in.flow,
            inflow_organization=check_in.station.branch,
            note=note or _("Checked in at %(station)s") % {"station": check_in.station.name},
        )
        check_in.status = CheckInStatus.CONFIRMED
        check_in.decided_by, check_in.decided_at = by, timezone.now()
        check_in.save()
    return check_in


@transaction.atomic
def refuse_check_in(*, by: Any, check_in: CheckIn, reason: str) -> CheckIn:
    """The station refuses with a reason the member and the home organization see."""
    check_in = _locked(check_in)
    _require_station_side(by, check_in.station)
    _require_pending(check_in)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "reason_required", _("Say why, for the member and their home branch."), "reason"
        )
    with audit.action("checkin.refuse", actor=by, reason=reason):
        check_in.status = CheckInStatus.REFUSED
        check_in.reason = reason[:200]
        check_in.decided_by, check_in.decided_at = by, timezone.now()
        check_in.save()
    return check_in


def _require_own(by: Any, check_in: CheckIn) -> None:
    if by is None or check_in.member.user_id != by.pk:
        raise ScopeError("not_found", _("Not found, or not within your organization's scope."))


@transaction.atomic
def cancel_check_in(*, by: Any, check_in: CheckIn) -> CheckIn:
    """The member withdraws a check-in that is still awaiting confirmation."""
    check_in = _locked(check_in)
    _require_own(by, check_in)
    _require_pending(check_in)
    with audit.action("checkin.cancel", actor=by):
        check_in.status = CheckInStatus.CANCELLED
        check_in.ended_at = timezone.now()
        check_in.save()
    return check_in


@transaction.atomic
def check_out(*, by: Any, check_in: CheckIn, on: datetime.date | None = None) -> CheckIn:
    """A returning member checks out (the member, or the station for them): the check-in
    ends and the ledger closes the record as returned."""
    check_in = _locked(check_in)
    if by is not None and not (by.is_superuser or by.is_staff_role):
        _require_own(by, check_in)
    else:
        _require_station_side(by, check_in.station)
    if check_in.status != CheckInStatus.CONFIRMED:
        raise DomainError(
            "not_confirmed", _("Only a confirmed check-in can be checked out."), "status"
        )
    with audit.action("checkin.check_out", actor=by):
        ledger.mark_returned(
            by=SYSTEM,  # on behalf of the member or the station side, checked above
            flow=check_in.flow,
            on=on,
            reason=_("Checked out at %(station)s") % {"station": check_in.station.name},
        )
        check_in.status = CheckInStatus.CHECKED_OUT
        check_in.ended_at = timezone.now()
        check_in.save()
    return check_in
