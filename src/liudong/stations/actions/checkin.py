"""Asking to check in: the rules, once (decision 84; a member's own record: own_flow.py).

Every caller asks :func:`request_check_in` (the member's page, the API for a signed-in user)
or :func:`check_in_with_token` (the API for an API token: the member's app); both run
:func:`_ask`, which reads every fact the rules need in one statement
(:mod:`~liudong.stations.actions.checkin_sql`), decides here, and inserts the check-in with
its audit row in one more.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import DomainError
from liudong.members.models import FlowRecord, FlowStatus, Member
from liudong.orgs.models import Organization
from liudong.stations import notices
from liudong.stations.actions import checkin_sql as sql
from liudong.stations.models import CheckIn, CheckInMethod, CheckInStatus, Station, StationStatus

# --- check-in ------------------------------------------------------------------------------


def not_in_ledger() -> DomainError:
    return DomainError(
        "not_in_ledger",
        _(
            "Your account is not linked to an entry in the ledger. Ask your home branch "
            "or the station's staff to record you."
        ),
    )


# --- asking to check in -------------------------------------------------------------------


def request_check_in(
    *,
    by: Any,
    station: Station,
    method: str = CheckInMethod.QR,
    distance_km: float | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> tuple[CheckIn, bool]:
    """The member ``by`` asks to check in at ``station``: ``(check_in, created)``.

    Idempotent: asking again for the same station returns the active check-in. One active
    check-in per record is a database constraint; a request that loses a race on it (two
    taps at once) reads again and answers with the row the other request made.
    ``idempotency_key`` (made by the phone, decision 133): the member's check-in made with
    the same key is the answer, whatever has changed since (``replayed`` set on it), and
    nothing is written; a unique constraint keeps one row per key.
    """
    user_id = getattr(by, "pk", None) if getattr(by, "is_authenticated", False) else None
    done = _ask(
        who="user", key=user_id, station_column="id", station_value=station.pk,
        method=method, distance_km=distance_km, station=station,
        idempotency_key=idempotency_key,
    )  # fmt: skip
    if done is None:  # no such user
        raise not_in_ledger()
    if not getattr(done.check_in, "replayed", False):
        _relate(done.check_in, done.facts, station)
    return done.check_in, done.created


class Asked(NamedTuple):
    """A check-in asked for: the row (new or the active one), whether it is new, and the
    facts read (what the API's answer shows of the member, record and station)."""

    check_in: CheckIn
    created: bool
    facts: sql.Facts


class _Told(Asked):
    """A new check-in whose statement told the station's staff too (decision 129)."""


def check_in_with_token(
    *,
    token_key: str,
    station_code: str | None = None,
    qr_token: str | None = None,
    method: str = CheckInMethod.API,
    lng: float | None = None,
    lat: float | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> Asked | None:
    """:func:`request_check_in` for the user of an API token (not expired, an active user)
    at the station of ``station_code`` or ``qr_token``, ``lng``/``lat`` giving the distance.

    None when the token signs nobody in or no such station exists: the API's general path
    answers those (401, ``station_unknown``). Every rule's refusal is raised as for
    :func:`request_check_in`: they are the same rules.
    """
    column, value = ("qr_token", qr_token) if qr_token else ("code", station_code)
    point = (lng, lat) if lng is not None and lat is not None else None
    return _ask(
        who="token", key=token_key, station_column=column, station_value=value,
        method=method, point=point, idempotency_key=idempotency_key,
    )  # fmt: skip


def _told(asked: Asked | None) -> Asked | None:
    """A new check-in is told to the station's staff (one statement more on PostgreSQL),
    inside the transaction that inserts it: a check-in is never left without its notice."""
    if asked is not None and asked.created and not isinstance(asked, _Told):
        f = asked.facts
        notices.check_in_asked(
            asked.check_in, member=f.member_name or "", station=f.station_name or "",
            station_path=f.station_path or "",
        )  # fmt: skip
        return _Told(*asked)
    return asked


def _ask(**asked: Any) -> Asked | None:
    """:func:`_ask_once`: a new check-in is told to the station's staff in its transaction."""
    return _ask_once(**asked)


def _ask_once(
    *,
    who: str,
    key: Any,
    station_column: str,
    station_value: Any,
    method: str,
    distance_km: float | None = None,
    point: tuple[float, float] | None = None,
    station: Station | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> Asked | None:
    """Read, decide, insert; after a lost race (the record changed, or another request's
    active check-in was committed after the read), again with the record locked."""
    member_id, first = None, 0
    if (
        point is None and distance_km is None and station is None
        and connection.vendor == "postgresql" and not connection.in_atomic_block
    ):  # fmt: skip
        facts, asked = _at_once(
            who=who, key=key, station_column=station_column, station_value=station_value,
            method=method, idempotency_key=idempotency_key,
        )  # fmt: skip
        if facts is None or facts.station_id is None:
            return None
        if asked is not None:
            return asked
        check_in, created = _decide(facts, method, None, None, idempotency_key)
        if not created:
            return Asked(check_in, False, facts)
        member_id, first = facts.member_id, 1  # a lost race: again with the record locked
    for attempt in range(first, 3):
        try:
            with _transaction(locked=attempt > 0):
                if attempt and member_id is not None:
                    sql.lock_open_record(member_id)
                facts = sql.read(
                    who=who, key=key, station_column=station_column, station=station_value,
                    idempotency_key=idempotency_key,
                )  # fmt: skip
                if facts is None or (facts.station_id is None and station is None):
                    return None
                member_id = facts.member_id
                check_in, created = _decide(facts, method, distance_km, point, idempotency_key)
                if created and not _insert(check_in, facts):
                    continue
                return _told(Asked(check_in, created, facts))  # the notice commits with it
        except IntegrityError:
            # SQLite: another request for the same record committed its check-in first.
            if attempt == 2:
                raise
    raise IntegrityError("one_active_check_in_per_flow_record: the record kept changing")


def _at_once(
    *,
    who: str,
    key: Any,
    station_column: str,
    station_value: Any,
    method: str,
    idempotency_key: uuid.UUID | None,
) -> tuple[sql.Facts | None, Asked | None]:
    """PostgreSQL, in autocommit, no distance to work out: read, and insert when every rule
    passes (:func:`may_insert_sql`), in one statement. (The facts, the new check-in or None:
    then :func:`_decide` answers from the facts.)"""
    values = _new_values(None, None, None, method, None, idempotency_key)
    with audit.action("checkin.request"):
        # The row as audit.snapshot shows the check-in; no instance until it is inserted.
        event = audit.event_values(
            "create", None, changes={"after": audit.snapshot_values(CheckIn, values)},
            org_path="", object_repr="",
        )  # fmt: skip
    event["at"] = timezone.now()
    event["content_type"] = ContentType.objects.get_for_model(CheckIn).pk
    told = notices.check_in_asked_within()  # the staff told in the same statement
    facts, pk, notified = sql.read_and_insert(
        who=who, key=key, station_column=station_column, station=station_value,
        may=_MAY_INSERT, check_in=values, event=event, told=told,
        idempotency_key=idempotency_key,
    )  # fmt: skip
    if facts is None or pk is None:
        return facts, None
    notices.check_in_told(told, notified)
    values.update(id=pk, member_id=facts.member_id, flow_id=facts.flow_id)
    values["station_id"] = facts.station_id
    check_in = CheckIn.from_db(connection.alias, None, [values[name] for name in _ATTNAMES])
    return facts, _Told(check_in, True, facts)


def _transaction(*, locked: bool) -> Any:
    """The read, the insert (the check-in with its audit row) and the staff's notice in one
    transaction: all of them commit, or none (a failure after the insert leaves nothing).
    ``locked``: a try again, whose read locks the record first. (The one-statement path,
    :func:`_at_once`, needs none: its single statement is the transaction.)"""
    return transaction.atomic()


class Rule(NamedTuple):
    """One rule of asking to check in, once: when the facts let a new check-in pass it
    (``passes``, and the same condition in SQL over the read's columns, ``sql`` with its
    bound ``params``: the one-statement check-in inserts only when every rule's holds), and
    what the answer is when they do not (``otherwise``: the refusal raised, or the active
    check-in returned). Their SQL and Python agree on every combination of facts (a test)."""

    code: str
    sql: str
    params: tuple[Any, ...]
    passes: Callable[[sql.Facts], bool]
    otherwise: Callable[[sql.Facts], tuple[CheckIn, bool]]


def _refuse_not_in_ledger(f: sql.Facts) -> tuple[CheckIn, bool]:
    raise not_in_ledger()  # first: it says what to do next


def _refuse_not_open(f: sql.Facts) -> tuple[CheckIn, bool]:
    raise DomainError(
        "station_not_open",
        _("This station is not open for check-in. Choose another station nearby."),
        "station",
    )


def _refuse_no_flow(f: sql.Facts) -> tuple[CheckIn, bool]:
    raise DomainError(
        "no_open_flow",
        _("You have no open flow record. Register where you are now first."),
        "flow",
    )


def _active_or_refuse(f: sql.Facts) -> tuple[CheckIn, bool]:
    if f.active_station_id == f.station_id:
        return _active(f), False
    if f.active_status == CheckInStatus.PENDING:
        raise DomainError(
            "pending_elsewhere",
            _(
                "Your check-in at %(station)s is awaiting confirmation. Cancel it first "
                "if you want to check in here instead."
            )
            % {"station": f.active_station_name},
            "station",
        )
    raise DomainError(
        "checked_in_elsewhere",
        _("You are checked in at %(station)s. Check out there first.")
        % {"station": f.active_station_name},
        "station",
    )


def _refuse_managed(f: sql.Facts) -> tuple[CheckIn, bool]:
    if f.inflow_organization_id and f.inflow_organization_id == f.station_branch_id:
        raise DomainError(
            "already_attached", _("You are already attached to this station."), "station"
        )
    org = Organization.objects.only("name").get(
        pk=f.inflow_organization_id or f.home_organization_id
    )
    raise DomainError(
        "managed_elsewhere",
        _(
            "Your record is managed by %(org)s. Ask them to release you before you check "
            "in at another station."
        )
        % {"org": org},
        "station",
    )


def _replay(f: sql.Facts) -> tuple[CheckIn, bool]:
    """The check-in made earlier with this idempotency key: the same answer again."""
    check_in = CheckIn.objects.select_related("decided_by").get(pk=f.keyed_id)
    check_in.replayed = True  # type: ignore[attr-defined]
    return check_in, False


RULES: tuple[Rule, ...] = (
    Rule(
        "replayed", "keyed_id IS NULL", (),
        lambda f: f.keyed_id is None, _replay,
    ),
    Rule(
        "not_in_ledger", "member_id IS NOT NULL", (),
        lambda f: f.member_id is not None, _refuse_not_in_ledger,
    ),
    Rule(
        "station_not_open", "COALESCE(station_status = %s, FALSE)", (StationStatus.OPEN.value,),
        lambda f: f.station_status == StationStatus.OPEN, _refuse_not_open,
    ),
    Rule(
        "no_open_flow", "flow_id IS NOT NULL", (),
        lambda f: f.flow_id is not None, _refuse_no_flow,
    ),
    Rule(
        "one_active", "active_id IS NULL", (),
        lambda f: f.active_id is None, _active_or_refuse,
    ),
    Rule(
        "managed", "COALESCE(flow_status <> %s, TRUE)", (FlowStatus.MANAGED.value,),
        lambda f: f.flow_status != FlowStatus.MANAGED, _refuse_managed,
    ),
)  # fmt: skip
"""In the order they are asked: the first that does not pass answers."""


def may_insert_sql() -> tuple[str, list[Any]]:
    """Every rule passes, in SQL over the read's columns (named as :class:`sql.Facts`)."""
    return (
        " AND ".join(f"({rule.sql})" for rule in RULES),
        [value for rule in RULES for value in rule.params],
    )


_MAY_INSERT = may_insert_sql()  # the rules do not change while the process runs


def _decide(
    f: sql.Facts,
    method: str,
    distance_km: float | None,
    point: tuple[float, float] | None,
    idempotency_key: uuid.UUID | None = None,
) -> tuple[CheckIn, bool]:
    """The rules: the check-in made with the same key or the active check-in at this
    station (False), a new one to insert (True), or the refusal."""
    for rule in RULES:
        if not rule.passes(f):
            return rule.otherwise(f)
    if point is not None:
        from liudong.stations.queries import haversine_km

        distance_km = haversine_km(point[0], point[1], f.station_lng, f.station_lat)
    check_in = _new_check_in(
        f.member_id, f.flow_id, f.station_id, method, distance_km, idempotency_key
    )
    return check_in, True


def _new_check_in(
    member_id: int | None,
    flow_id: int | None,
    station_id: int | None,
    method: str,
    distance_km: float | None,
    idempotency_key: uuid.UUID | None = None,
) -> CheckIn:
    """The check-in to insert (asked with an unknown ``method``: by QR code)."""
    values = _new_values(member_id, flow_id, station_id, method, distance_km, idempotency_key)
    values.pop("id")
    return CheckIn(**values)


_ATTNAMES = tuple(f.attname for f in CheckIn._meta.concrete_fields)
_NEW_STATUS, _NEW_REASON = CheckInStatus.PENDING, ""  # the model's defaults
_METHODS = frozenset(CheckInMethod.values)  # (``values`` makes a new list on every use)


def _new_values(
    member_id: int | None,
    flow_id: int | None,
    station_id: int | None,
    method: str,
    distance_km: float | None,
    idempotency_key: uuid.UUID | None = None,
) -> dict[str, Any]:
    """:func:`_new_check_in`'s field values by attname (every concrete field, in order)."""
    values = dict.fromkeys(_ATTNAMES)
    values.update(
        member_id=member_id,
        flow_id=flow_id,
        station_id=station_id,
        status=_NEW_STATUS,
        method=method if method in _METHODS else CheckInMethod.QR,
        distance_km=round(distance_km, 2) if distance_km is not None else None,
        reason=_NEW_REASON,
        requested_at=timezone.now(),
        idempotency_key=idempotency_key,
    )
    return values


def _insert(check_in: CheckIn, f: sql.Facts) -> bool:
    """Write ``check_in`` and its audit row (as the audit's signals would have): False when
    the record changed since the read."""
    from liudong.accounts.models import User

    actor = User(id=f.user_id, username=f.username, organization_id=f.user_organization_id)
    if f.user_organization_id is not None:
        actor._state.fields_cache["organization"] = Organization(
            id=f.user_organization_id, path=f.user_organization_path
        )
    with audit.action("checkin.request", actor=actor):
        event = audit.event_values(
            "create",
            check_in,
            changes={"after": audit.snapshot(check_in)},
            org_path=f.station_path,
            object_repr=f"{f.member_name} → {f.station_name}",
        )
    event["at"] = timezone.now()
    event["actor"] = f.user_id
    event["content_type"] = event["content_type"].pk
    pk = sql.insert(check_in, f.flow_status or "", event)
    if pk is None:
        return False
    check_in.pk = pk
    check_in._state.adding = False
    return True


def _loaded(model: Any, **values: Any) -> Any:
    """An instance of ``model`` as the ORM loads it with ``only(*values)`` (the other fields
    deferred: they load on use)."""
    fields = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, fields, [values[name] for name in fields])


def _active(f: sql.Facts) -> CheckIn:
    """The record's active check-in at this station, as the read found it."""
    check_in = _loaded(
        CheckIn, id=f.active_id, member_id=f.member_id, flow_id=f.flow_id,
        station_id=f.active_station_id, status=f.active_status, method=f.active_method,
        distance_km=f.active_distance_km, reason=f.active_reason,
        requested_at=sql.aware(f.active_requested_at),
        decided_at=sql.aware(f.active_decided_at), decided_by_id=f.decided_by_id,
        ended_at=sql.aware(f.active_ended_at),
    )  # fmt: skip
    if f.decided_by_id is not None:
        from liudong.accounts.models import User

        check_in._state.fields_cache["decided_by"] = _loaded(
            User, id=f.decided_by_id, username=f.decided_by_username,
            display_name=f.decided_by_display_name,
        )  # fmt: skip
    return check_in


def _relate(check_in: CheckIn, f: sql.Facts, station: Station | None) -> None:
    """The member, record and station of ``check_in`` as the read found them (unread fields
    load on use, as with ``only``): what a caller of :func:`request_check_in` shows."""
    member = _loaded(
        Member, id=f.member_id, name=f.member_name, user_id=f.user_id,
        home_organization_id=f.member_home_organization_id,
        inflow_organization_id=f.member_inflow_organization_id,
    )  # fmt: skip
    flow = _loaded(
        FlowRecord, id=f.flow_id, member_id=f.member_id, status=f.flow_status,
        destination_place_id=f.destination_place_id,
        home_organization_id=f.home_organization_id,
        inflow_organization_id=f.inflow_organization_id,
    )  # fmt: skip
    flow._state.fields_cache["member"] = member
    if station is None:
        station = _loaded(
            Station, id=f.station_id, code=f.station_code, name=f.station_name,
            status=f.station_status, lng=f.station_lng, lat=f.station_lat,
            branch_id=f.station_branch_id,
        )  # fmt: skip
    cache = check_in._state.fields_cache
    cache["member"], cache["flow"], cache["station"] = member, flow, station
