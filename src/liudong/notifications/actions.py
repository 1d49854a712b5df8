"""Notifying, and marking read: the notifications' only writers.

:func:`notify` is set-based: one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` for every
recipient, whatever their number, the recipients read by the database from the query that
names them (so a station's staff are found and notified in one statement). With a source,
a recipient gets one notification per kind and source: asking again adds nothing (the
database's partial unique constraint decides, so two requests at once cannot double it).
One audit row tells each call (decision 120).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.core import audit, compiled, masking, prepared
from liudong.core.errors import DomainError
from liudong.core.scope import SYSTEM, require_actor
from liudong.notifications import kinds
from liudong.notifications.models import Notification

COLUMNS = ("recipient", "kind", "params", "link", "created_at", "source_type", "source_id")
PARAM_MAX = 200  # characters of one parameter: names and codes, never free text


def _checked_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Names, codes, counts and dates as text only; never an ID number or a phone number
    (what the recipient may see in a list is not what may be stored in a message)."""
    checked: dict[str, Any] = {}
    for key, value in params.items():
        if not isinstance(key, str):
            raise TypeError(f"notification parameter names are text: {key!r}")
        if value is not None and not isinstance(value, str | int | float | bool):
            raise TypeError(f"notification parameter {key!r}: plain values only")
        if isinstance(value, str) and (len(value) > PARAM_MAX or masking.mask_text(value) != value):
            raise ValueError(f"notification parameter {key!r}: too long, or personal")
        checked[key] = value
    return checked


def _checked_link(link: str) -> str:
    """A path within the site (``/stations/…``): never another site's address."""
    link = link or ""
    if link and (not link.startswith("/") or link[1:2] in ("/", "\\") or len(link) > 300):
        raise ValueError(f"a notification links to a path of this site: {link!r}")
    return link


def _recipients(recipients: Any) -> models.QuerySet:
    """The active users named: a query of users (read by the database), users or ids."""
    user_model = get_user_model()
    if isinstance(recipients, models.QuerySet):
        if recipients.model is not user_model:
            raise TypeError(f"recipients are users, not {recipients.model._meta.label}")
        users = recipients
    else:
        recipients = list(recipients)
        if any(isinstance(r, models.Model) and not isinstance(r, user_model) for r in recipients):
            raise TypeError("recipients are users or user ids (a member's account: member.user)")
        ids = {getattr(r, "pk", r) for r in recipients}
        users = user_model.objects.filter(pk__in=[i for i in ids if i is not None])
    return (
        users.filter(is_active=True)
        .order_by()
        .annotate(recipient_key=F("pk"))
        .values("recipient_key")
    )


def _chosen(recipients: Any, key: Any) -> tuple[str, list[Any]] | None:
    """The recipients' query as SQL and parameters (None: nobody named). ``key``: a
    hashable naming everything the query is built from (a station's path), its compiled
    form kept per process under it (``core.compiled``): built and compiled once, so
    ``recipients`` may then be a function that builds the query."""
    if key is None:
        try:
            return _recipients(recipients).query.sql_with_params()
        except EmptyResultSet:
            return None
    build = recipients if callable(recipients) else lambda: recipients
    found = compiled.statement(("notifications.recipients", key), lambda: _recipients(build()))
    return None if found.sql is None else (found.sql, list(found.params))


def _source_key(source: models.Model | None) -> tuple[int | None, str]:
    if source is None:
        return None, ""
    if source.pk is None:
        raise ValueError("a notification's source is a saved object")
    return ContentType.objects.get_for_model(type(source)).pk, str(source.pk)


def _audit_event(kind: str, source: Any, about: tuple[str, str] | None) -> dict[str, Any]:
    """The audit row of a call (its count filled in when the rows are known); ``about``:
    the source's organization path and name when the caller has them (else read)."""
    if about is not None:
        org_path, object_repr = about
    else:
        org_path = audit.organization_path_of(source) if source is not None else None
        object_repr = None
    event = audit.event_values(
        "create",
        source,
        changes={"kind": kind, "notifications": 0},
        org_path=org_path,
        object_repr=object_repr,
    )
    event["at"] = timezone.now()
    return event


@functools.cache
def _audit_fields(vendor: str) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """The audit table's columns (quoted) and fields, but its key: read once per process."""
    from liudong.core.models import AuditEvent

    fields = tuple(f for f in AuditEvent._meta.concrete_fields if not f.primary_key)
    return tuple(connection.ops.quote_name(f.column) for f in fields), fields


def _audit_values(event: dict[str, Any]) -> tuple[list[str], list[Any]]:
    columns, fields = _audit_fields(connection.vendor)
    values = []
    for f in fields:
        value = event[f.name]
        if f.is_relation:
            values.append(value.pk if value is not None else None)
        else:
            values.append(f.get_db_prep_save(value, connection))
    return list(columns), values


def _pg_ctes(
    chosen: str,
    values: list[str],
    audit_columns: list[str],
    computed: dict[str, str],
    rows: str = "",
) -> str:
    """:func:`_pg_ctes_text`, made once per shape in a process (the check-in's each time)."""
    return _pg_ctes_text(chosen, tuple(values), tuple(audit_columns), tuple(computed.items()), rows)


@functools.lru_cache(maxsize=256)
def _pg_ctes_text(
    chosen: str,
    values: tuple[str, ...],
    audit_columns: tuple[str, ...],
    computed_items: tuple[tuple[str, str], ...],
    rows: str = "",
) -> str:
    """PostgreSQL: the notification rows and the call's audit row as two CTEs,
    ``notified`` (returning ``id, recipient_id``) and ``notified_audit``: a row per
    recipient of ``chosen`` (and of ``rows``, more ``FROM`` items of a caller's statement)
    with ``values`` (SQL for kind, params, link, created_at, source type and id), the audit
    row when any was written, its ``changes`` counting them; ``computed``: SQL for audit
    columns (quoted names) the caller's statement computes (the others are ``%s``)."""
    from liudong.core.models import AuditEvent

    quote = connection.ops.quote_name
    field = Notification._meta.get_field
    computed = dict(computed_items)
    changes = quote(AuditEvent._meta.get_field("changes").column)
    marks = ", ".join(
        "jsonb_set(%s, '{notifications}', to_jsonb((SELECT count(*) FROM notified)))"
        if column == changes
        else computed.get(column, "%s")
        for column in audit_columns
    )
    return (
        f"notified AS (INSERT INTO {quote(Notification._meta.db_table)} "
        f"({', '.join(quote(field(name).column) for name in COLUMNS)}) "
        f"SELECT chosen.{quote('recipient_key')}, {', '.join(values)} FROM ({chosen}) chosen"
        f"{rows} WHERE true ON CONFLICT DO NOTHING RETURNING {quote('id')}, "
        f"{quote('recipient_id')}), notified_audit AS (INSERT INTO "
        f"{quote(AuditEvent._meta.db_table)} ({', '.join(audit_columns)}) SELECT {marks}"
        f"{' FROM ' + rows.lstrip(', ') if rows else ''} WHERE EXISTS (SELECT 1 FROM notified))"
    )


class Within(NamedTuple):
    """:func:`notify` as CTEs of a caller's one statement (:func:`notify_within`)."""

    sql: str  # ``notified AS (…), notified_audit AS (…)``
    params: list[Any]  # in the order of their ``%s``
    kind: str


def notify_within(
    recipients: Any,
    recipients_key: Any,
    kind: str,
    *,
    params_sql: Mapping[str, str],
    link: str = "",
    source: type[models.Model],
    source_id_sql: str,
    by: Any,
    about_sql: tuple[str, str],
    rows: str,
) -> Within:
    """PostgreSQL: :func:`notify`'s one statement as two CTEs for a caller's statement, so
    a write and its notification commit in one round trip (a new check-in: decision 129).
    The same SQL as :func:`notify` (:func:`_pg_ctes`), the recipients' query compiled once
    per ``recipients_key``; what the caller's statement computes is SQL over its own CTEs:
    ``params_sql`` (parameter name → SQL; names and codes only, as :func:`notify`'s
    parameters: the caller names columns of names), the source's id, the audit row's
    organization path and object name (``about_sql``), and ``rows`` (more ``FROM`` items:
    no row, no notification). The caller returns ``SELECT array_agg(id) FROM notified`` and
    passes the ids to :func:`sent`.

    The system acting with no signed-in user bound (a member's token check-in): the text
    and every value but the call's time and request are made once per process and kept
    (decision 203); the call fills in those four."""
    require_actor(by)
    ctx = audit.current()
    if by is not SYSTEM or getattr(ctx.actor, "is_authenticated", False):
        return _within(
            recipients, recipients_key, kind, params_sql, link, source, source_id_sql, by,
            about_sql, rows,
        )  # fmt: skip
    key = (
        connection.alias, connection.vendor, recipients_key, kind, tuple(params_sql.items()),
        link, source, source_id_sql, about_sql, rows, ctx.actor is None,
    )  # fmt: skip
    shape = _SHAPES.get(key)
    if shape is None:
        made = _within(
            recipients, recipients_key, kind, params_sql, link, source, source_id_sql, by,
            about_sql, rows,
        )  # fmt: skip
        shape = _SHAPES[key] = _shape_of(made)
    params = list(shape.params)
    values = {
        "at": timezone.now(),
        "ip": ctx.ip,
        "request_id": ctx.request_id,
        "user_agent": ctx.user_agent[:300],
        "content_type": ContentType.objects.get_for_model(source).pk,
    }  # fmt: skip (as audit.event_values fills them)
    for index, name, field in shape.per_call:
        value = values[name]
        params[index] = field.get_db_prep_save(value, connection) if field else value
    return Within(shape.sql, params, kind)


class _Shape(NamedTuple):
    """A kept :class:`Within`: its text and values, and where the per-call ones go."""

    sql: str
    params: tuple[Any, ...]
    per_call: tuple[tuple[int, str, Any], ...]  # (index in params, value's name, field)


_SHAPES: dict[Any, _Shape] = {}
_PER_CALL = ("at", "ip", "request_id", "user_agent")  # the audit row's: the call's own
# (and the source's content type: read from ContentType's cache, which a test's flush resets)


def _shape_of(made: Within) -> _Shape:
    """Where :func:`_within`'s per-call values sit in its parameters: the notification's
    ``created_at`` (third), and the audit row's time and request among its own (last)."""
    columns, fields = _audit_fields(connection.vendor)
    from liudong.core.models import AuditEvent

    computed = {connection.ops.quote_name(AuditEvent._meta.get_field(n).column) for n in _ABOUT}
    bound = [f for c, f in zip(columns, fields, strict=True) if c not in computed]
    start = len(made.params) - len(bound)
    per_call = [(2, "at", Notification._meta.get_field("created_at")), (3, "content_type", None)]
    per_call += [(start + i, f.name, f) for i, f in enumerate(bound) if f.name in _PER_CALL]
    per_call += [
        (start + i, "content_type", None) for i, f in enumerate(bound) if f.name == "content_type"
    ]
    return _Shape(made.sql, tuple(made.params), tuple(per_call))


def _within(
    recipients: Any,
    recipients_key: Any,
    kind: str,
    params_sql: Mapping[str, str],
    link: str,
    source: type[models.Model],
    source_id_sql: str,
    by: Any,
    about_sql: tuple[str, str],
    rows: str,
) -> Within:
    """:func:`notify_within` made from scratch."""
    if not kinds.known(kind):
        raise ValueError(f"no app declares the notification kind {kind!r} (notices.py)")
    if not all(isinstance(k, str) and k.isidentifier() for k in params_sql):
        raise TypeError("notification parameter names are identifiers")
    chosen = _chosen(recipients, recipients_key)
    assert chosen is not None, "a query of users"
    field = Notification._meta.get_field
    pairs = ", ".join(f"'{name}', {value}" for name, value in params_sql.items())
    values = [
        "%s", f"jsonb_build_object({pairs})", "%s", "%s", "%s", source_id_sql,
    ]  # fmt: skip
    with audit.action("notification.send", actor=by):
        event = audit.event_values(
            "create", None, changes={"kind": kind, "notifications": 0}, org_path="",
            object_repr="",
        )  # fmt: skip
    event["at"] = timezone.now()
    event["content_type"] = ContentType.objects.get_for_model(source)
    from liudong.core.models import AuditEvent

    quote = connection.ops.quote_name
    column = {name: quote(AuditEvent._meta.get_field(name).column) for name in _ABOUT}
    computed = dict(zip(column.values(), (*about_sql, source_id_sql), strict=True))
    audit_columns, audit_values = _audit_values(event)
    audit_params = [
        v for c, v in zip(audit_columns, audit_values, strict=True) if c not in computed
    ]
    params = [
        field("kind").get_db_prep_save(kind, connection),
        _checked_link(link),
        field("created_at").get_db_prep_save(timezone.now(), connection),
        event["content_type"].pk,
        *chosen[1],
        *audit_params,
    ]
    return Within(_pg_ctes(chosen[0], values, audit_columns, computed, rows), params, kind)


_ABOUT = ("org_path", "object_repr", "object_id")  # the audit columns of ``about_sql``, id


def sent(within: Within, ids: list[int] | None) -> None:
    """After a caller's statement with :func:`notify_within`'s CTEs: the rows it wrote
    (``array_agg(id)`` of ``notified``) go on as :func:`notify`'s do."""
    if ids:
        from liudong.notifications import delivery

        delivery.after_commit(within.kind, list(ids))


def _insert(
    chosen_sql: tuple[str, list[Any]] | None,
    kind: str,
    params: dict[str, Any],
    link: str,
    source: Any,
    about: tuple[str, str] | None = None,
    prepare: bool = False,
) -> list[tuple[int, int]]:
    """A row per recipient not yet notified of this kind and source, and the call's audit
    row when any: one statement on PostgreSQL (the audit row's count from the insert's own
    rows), two elsewhere. ``(id, recipient_id)`` of the rows written. ``prepare``: the
    statement's text is one of few (recipients named by a query, not a list of ids of any
    length), so PostgreSQL prepares it once per connection."""
    type_id, source_id = _source_key(source)
    field = Notification._meta.get_field
    values = [
        field("kind").get_db_prep_save(kind, connection),
        field("params").get_db_prep_save(params, connection),
        field("link").get_db_prep_save(link, connection),
        field("created_at").get_db_prep_save(timezone.now(), connection),
        type_id,
        source_id,
    ]
    quote = connection.ops.quote_name
    table = quote(Notification._meta.db_table)
    columns = ", ".join(quote(field(name).column) for name in COLUMNS)
    if chosen_sql is None:  # nobody named
        return []
    chosen, chosen_params = chosen_sql
    event = _audit_event(kind, source, about)
    audit_columns, audit_values = _audit_values(event)
    # ``WHERE true``: SQLite reads ``ON CONFLICT`` after a bare ``FROM`` as a join's clause.
    insert = (
        f"INSERT INTO {table} ({columns}) "
        f"SELECT chosen.{quote('recipient_key')}, %s, %s, %s, %s, %s, %s "
        f"FROM ({chosen}) chosen WHERE true ON CONFLICT DO NOTHING RETURNING "
        f"{quote('id')}, {quote('recipient_id')}"
    )
    from liudong.core.models import AuditEvent

    audits = quote(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            statement = (
                f"WITH {_pg_ctes(chosen, ['%s'] * 6, audit_columns, {})} SELECT * FROM notified"
            )
            all_params = [*values, *chosen_params, *audit_values]
            if prepare and "%%" not in statement:
                prepared.execute(cursor, "liudong_notify", statement, all_params)
            else:
                cursor.execute(statement, all_params)
            return [(row[0], row[1]) for row in cursor.fetchall()]
        cursor.execute(insert, [*values, *chosen_params])
        written = [(row[0], row[1]) for row in cursor.fetchall()]
        if written:
            event["changes"]["notifications"] = len(written)
            _columns, audit_values = _audit_values(event)
            marks = ", ".join(["%s"] * len(audit_columns))
            cursor.execute(
                f"INSERT INTO {audits} ({', '.join(audit_columns)}) VALUES ({marks})",
                audit_values,
            )
        return written


def notify(
    recipients: Any,
    kind: str,
    *,
    params: Mapping[str, Any] | None = None,
    link: str = "",
    source: models.Model | None = None,
    by: Any,
    about: tuple[str, str] | None = None,
    recipients_key: Any = None,
) -> int:
    """Notify ``recipients`` (a query of users, users or user ids; inactive users are left
    out) of ``kind`` (declared in some app's ``notices.py``), with ``params`` for its text
    and ``link`` to the object. With ``source``, once per recipient, kind and source. The
    number of notifications written; one audit row when any, as ``by`` (a user or SYSTEM).

    The caller chooses recipients who may see what the parameters name (a station's staff
    for a check-in at the station, the member for their own): parameters carry names and
    codes only, never an ID or phone number (refused), and the link opens through the gate.
    ``about``: the source's organization path and name for the audit row, when the caller
    has them at hand (the check-in's hot path); else they are read from the source.
    ``recipients_key``: with ``recipients`` a query (or a function returning it), a
    hashable naming every value it is built from (``("staff_at", path)``): its SQL is
    built and compiled once per process and key (the check-in's hot path).
    """
    require_actor(by)
    if not kinds.known(kind):
        raise ValueError(f"no app declares the notification kind {kind!r} (notices.py)")
    checked = _checked_params(params or {})
    link = _checked_link(link)
    if recipients_key is not None and not (
        callable(recipients) or isinstance(recipients, models.QuerySet)
    ):
        raise TypeError("recipients_key names a query of users (or a function building it)")
    chosen = _chosen(recipients, recipients_key)
    # One statement on PostgreSQL needs no transaction of its own (autocommit keeps the
    # check-in's hot path at one more round trip); SQLite's two statements get one.
    one_statement = connection.vendor == "postgresql"
    with (
        contextlib.nullcontext() if one_statement else transaction.atomic(),
        audit.action("notification.send", actor=by),
    ):
        # Recipients named by a query: its text is one of few, prepared once per connection.
        prepare = recipients_key is not None or isinstance(recipients, models.QuerySet)
        written = _insert(chosen, kind, checked, link, source, about, prepare)
    if written:
        from liudong.notifications import delivery

        delivery.after_commit(kind, [pk for pk, _recipient in written])
    return len(written)


def _ids(ids: Iterable[Any]) -> list[int]:
    try:
        return [int(i) for i in ids]
    except (TypeError, ValueError):
        raise DomainError("bad_notification", _("Choose notifications to mark as read.")) from None


def _mark(user: Any, found: models.QuerySet) -> int:
    require_actor(user)
    with transaction.atomic(), audit.action("notification.read", actor=user):
        count = found.filter(recipient=user.pk, read_at__isnull=True).update(read_at=timezone.now())
        if count:
            path = user.organization.path if getattr(user, "organization_id", None) else ""
            audit.record("update", None, changes={"read": count}, org_path=path)
    return count


def mark_read(user: Any, ids: Iterable[Any]) -> int:
    """Mark the user's own notifications ``ids`` read (others' ids are ignored): how many."""
    return _mark(user, Notification.objects.filter(pk__in=_ids(ids)))


def mark_all_read(user: Any) -> int:
    """Mark every unread notification of the user read: how many."""
    return _mark(user, Notification.objects.all())
