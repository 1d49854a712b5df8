"""The audit trail: who did what to which object, when, from where, with before/after.

Registered models are audited by signals (create, update, delete), so a write through
any path (page, API, admin, import, task) leaves a row. Actions name the business verb
with :func:`action`; reveals of personal data and logins are recorded with :func:`record`.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import decimal
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

from liudong.core.masking import mask_text

_REGISTRY: dict[type[models.Model], frozenset[str]] = {}
SENSITIVE_MARK = "•••"


@dataclass(frozen=True)
class AuditContext:
    actor: Any = None
    ip: str | None = None
    request_id: str = ""
    user_agent: str = ""
    verb: str = ""
    reason: str = ""


_EMPTY = AuditContext()  # frozen, so a shared default is safe
_context: contextvars.ContextVar[AuditContext] = contextvars.ContextVar(
    "liudong_audit_context",
    default=_EMPTY,  # noqa: B039
)


def current() -> AuditContext:
    return _context.get()


@contextlib.contextmanager
def bind(**values: Any) -> Iterator[AuditContext]:
    """Set request facts (actor, ip, request id) for the writes inside."""
    token = _context.set(replace(_context.get(), **values))
    try:
        yield _context.get()
    finally:
        _context.reset(token)


@contextlib.contextmanager
def action(verb: str, *, actor: Any = None, reason: str = "") -> Iterator[AuditContext]:
    """Name the business action (``org.move``) for every audited write inside."""
    values: dict[str, Any] = {"verb": verb, "reason": reason}
    # The system acting inside a user's action (on their behalf) leaves that user named.
    on_behalf = getattr(actor, "is_system", False) and _context.get().actor is not None
    if actor is not None and not on_behalf:
        values["actor"] = actor
    with bind(**values) as ctx:
        yield ctx


def register(model: type[models.Model], *, sensitive: tuple[str, ...] = ()) -> None:
    """Audit every create, update and delete of ``model``; ``sensitive`` fields are masked."""
    _REGISTRY[model] = frozenset(sensitive)
    _PLANS.pop(model, None)
    uid = f"liudong-audit-{model._meta.label}"
    pre_save.connect(_remember_before, sender=model, dispatch_uid=uid + "-pre")
    post_save.connect(_after_save, sender=model, dispatch_uid=uid + "-post")
    post_delete.connect(_after_delete, sender=model, dispatch_uid=uid + "-delete")


def is_audited(model: type[models.Model]) -> bool:
    return model in _REGISTRY


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return SENSITIVE_MARK
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    return snapshot_values(type(instance), lambda attname: getattr(instance, attname))


_PLANS: dict[type[models.Model], list[tuple[str, str, bool]]] = {}


def _snapshot_plan(model: type[models.Model]) -> list[tuple[str, str, bool]]:
    """(name, attname, masked) of the fields a snapshot of ``model`` shows."""
    plan = _PLANS.get(model)
    if plan is None:
        sensitive = _REGISTRY.get(model, frozenset())
        derived = set(getattr(model, "audit_ignore", ()))
        plan = _PLANS[model] = [
            (f.name, f.attname, f.name in sensitive or getattr(f, "audit_masked", False))
            for f in model._meta.concrete_fields
            if f.name not in derived
        ]
    return plan


_AS_IS = frozenset({str, int, bool, float, type(None)})


def snapshot_values(model: type[models.Model], value_of: Any) -> dict[str, Any]:
    """What :func:`snapshot` shows of a ``model`` row whose column values by attname are
    ``value_of`` (a mapping, or a function of the attname): for a set-based write that
    holds plain values, not instances (:func:`record_many`)."""
    get = value_of.get if isinstance(value_of, dict) else value_of
    plan = _snapshot_plan(model)
    # The plan's order, in one pass; then the masked fields and the values JSON does not
    # take as they are (few) are replaced in place (a dict keeps its keys' order).
    data: dict[str, Any] = {name: get(attname) for name, attname, _masked in plan}
    for name, _attname, masked in plan:
        value = data[name]
        if masked:
            data[name] = SENSITIVE_MARK if value else ""
        elif type(value) not in _AS_IS:
            data[name] = _plain(value)
    return data


def update_changes(
    model: type[models.Model],
    before: dict[str, Any],
    after: dict[str, Any],
    secret_changed: Any = (),
) -> dict[str, Any]:
    """The ``changes`` of an update row: the fields whose snapshot differs, before and
    after; a masked field named in ``secret_changed`` (its real value changed) is told as
    changed without its values. Empty when nothing shown changed."""
    diff = {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}
    masked = {name for name, _attname, is_masked in _snapshot_plan(model) if is_masked}
    for name in secret_changed:
        if name in masked:
            diff[name] = (SENSITIVE_MARK, SENSITIVE_MARK + " (changed)")
    if not diff:
        return {}
    return {
        "before": {k: old for k, (old, _new) in diff.items()},
        "after": {k: new for k, (_old, new) in diff.items()},
    }


def _masked_fields(instance: models.Model) -> list[str]:
    sensitive = _REGISTRY.get(type(instance), frozenset())
    return [
        f.name
        for f in instance._meta.concrete_fields
        if f.name in sensitive or getattr(f, "audit_masked", False)
    ]


def _remember_before(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if kwargs.get("raw") or instance.pk is None or instance._state.adding:
        instance._audit_before = None
        return
    previous = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(previous) if previous is not None else None
    # Masked fields look alike before and after; keep their values (in memory only) to tell.
    instance._audit_before_secret = (
        {name: getattr(previous, name) for name in _masked_fields(instance)}
        if previous is not None
        else {}
    )


def _after_save(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    if kwargs.get("raw"):
        return
    after = snapshot(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        changes = {"after": after}
        kind = "create"
    else:
        secret_before = getattr(instance, "_audit_before_secret", {})
        secret_changed = [
            name
            for name in _masked_fields(instance)
            if name in secret_before and secret_before[name] != getattr(instance, name)
        ]
        changes = update_changes(sender, before, after, secret_changed)
        if not changes:
            return
        kind = "update"
    record(kind, instance, changes=changes)


def _after_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    record("delete", instance, changes={"before": snapshot(instance)})


def unwrap(obj: Any) -> Any:
    """The real object behind ``request.user``'s lazy wrapper."""
    from django.utils.functional import SimpleLazyObject, empty

    while type(obj) is SimpleLazyObject or isinstance(obj, SimpleLazyObject):
        if obj._wrapped is empty:
            obj._setup()
        obj = obj._wrapped
    return obj


def organization_path_of(obj: models.Model | None) -> str:
    """The organization path an object belongs to (for scoping its audit rows)."""
    if obj is None:
        return ""
    getter = getattr(obj, "audit_org_path", None)
    if callable(getter):
        return getter() or ""
    return ""


def record(
    kind: str,
    obj: models.Model | None = None,
    *,
    changes: dict[str, Any] | None = None,
    actor: Any = None,
    result: str = "ok",
    detail: str = "",
    org_path: str | None = None,
) -> Any:
    """Append one audit row. ``kind``: create/update/delete/reveal/login/... ."""
    from liudong.core.models import AuditEvent

    return AuditEvent.objects.create(
        **event_values(
            kind,
            obj,
            changes=changes,
            actor=actor,
            result=result,
            detail=detail,
            org_path=org_path,
        )
    )


def event_values(
    kind: str,
    obj: models.Model | None = None,
    *,
    changes: dict[str, Any] | None = None,
    actor: Any = None,
    result: str = "ok",
    detail: str = "",
    org_path: str | None = None,
    object_repr: str | None = None,
) -> dict[str, Any]:
    """The field values of the row :func:`record` appends (the bound context filled in).

    Also for a write that inserts its audit row with its own SQL (the check-in API's hot
    path): ``object_repr`` then names an object whose related rows are not loaded, and an
    object without a primary key yet gets an empty ``object_id`` for the SQL to fill in.
    """
    from django.contrib.contenttypes.models import ContentType

    ctx = current()
    obj = unwrap(obj)
    actor = unwrap(actor if actor is not None else ctx.actor)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    actor_org_path = ""
    if actor is not None and getattr(actor, "organization_id", None):
        actor_org_path = actor.organization.path
    path = org_path if org_path is not None else organization_path_of(obj)
    if object_repr is None:
        object_repr = str(obj) if obj is not None else ""
    return {
        "kind": kind,
        "verb": ctx.verb or kind,
        "actor": actor,
        "actor_name": getattr(actor, "username", "") if actor is not None else "system",
        "actor_org_path": actor_org_path,
        "org_path": path or actor_org_path,
        "content_type": (ContentType.objects.get_for_model(type(obj)) if obj is not None else None),
        "object_id": str(obj.pk) if obj is not None and obj.pk is not None else "",
        "object_repr": object_repr[:200],
        "changes": changes or {},
        # A number typed into a reason or carried by filters is stored masked (decision 65).
        "reason": mask_text(ctx.reason)[:500],
        "detail": mask_text(detail)[:500],
        "result": result,
        "ip": ctx.ip,
        "request_id": ctx.request_id,
        "user_agent": ctx.user_agent[:300],
    }


AUDIT_COLUMNS = (
    "at", "kind", "verb", "actor_id", "actor_name", "actor_org_path", "org_path",
    "content_type_id", "object_id", "object_repr", "changes", "reason", "detail", "result",
    "ip", "request_id", "user_agent",
)  # fmt: skip


_ENCODE = json.JSONEncoder(check_circular=False).encode  # json.dumps' output, reused


@dataclass(frozen=True)
class FromRows:
    """``FROM_ROW``: the ``create`` rows of objects a set-based writer has just inserted,
    their snapshots built by PostgreSQL from the rows themselves (``INSERT … SELECT`` with
    ``jsonb_build_object``), so no snapshot passes through Python. The same row
    :func:`snapshot` would give: every field of the plan, masked fields as the mark (or
    empty), dates and times as ISO text (the session's time zone is UTC). ``ids``: the
    objects, ascending (their audit rows follow that order). ``repr_sql`` and ``path_sql``:
    SQL expressions over the row ``t`` (and ``joins``) for the object's name and the
    organization path it belongs to; ``params``: the joins' and expressions' parameters."""

    kind: str
    verb: str
    model: Any
    ids: tuple[int, ...]
    repr_sql: str
    path_sql: str = "''"
    joins: str = ""


FROM_ROW = FromRows


def sql_snapshots() -> bool:
    """Whether a set-based writer may hand :class:`FromRows` items to :func:`record_many`
    (PostgreSQL; SQLite keeps the Python snapshots)."""
    from django.db import connection

    return connection.vendor == "postgresql" and SQL_SNAPSHOTS


SQL_SNAPSHOTS = True  # tests turn it off to compare both paths on PostgreSQL


def _snapshot_sql(model: type[models.Model]) -> str:
    """``jsonb_build_object`` of what :func:`snapshot` shows of the row ``t``."""
    from django.db import connection

    quote = connection.ops.quote_name
    parts = []
    for name, _attname, masked in _snapshot_plan(model):
        column = quote(model._meta.get_field(name).column)
        value = (
            f"CASE WHEN COALESCE(t.{column}, '') <> '' THEN '{SENSITIVE_MARK}' ELSE '' END"
            if masked
            else f"t.{column}"
        )
        parts.append(f"'{name}', {value}")
    return "jsonb_build_object(" + ", ".join(parts) + ")"


def record_many(items: Any) -> int:
    """Append many rows at once, for a set-based write (which fires no signals): each item
    is ``(kind, verb, model, pk, object_repr, org_path, changes)``, ``verb`` empty for the
    bound action's, or a :class:`FromRows` (PostgreSQL only, see :func:`sql_snapshots`);
    the rest of each row (actor, reason, address, request id) is the bound context's, as
    :func:`record` fills it. Rows keep the items' order: one COPY on PostgreSQL per run of
    tuples, one ``INSERT … SELECT`` per :class:`FromRows`. Returns the rows written.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from liudong.core.bulk import insert_rows
    from liudong.core.models import AuditEvent

    base = event_values("update")
    at = connection.ops.adapt_datetimefield_value(_now())
    actor_id = base["actor"].pk if base["actor"] is not None else None
    bound_verb = current().verb
    actor_name, actor_org_path = base["actor_name"], base["actor_org_path"]
    tail = (
        base["reason"], base["detail"], base["result"], base["ip"], base["request_id"],
        base["user_agent"],
    )  # fmt: skip
    encode = _ENCODE
    types: dict[type[models.Model], int] = {}
    rows: list[tuple[Any, ...]] = []
    written = 0
    for item in items:
        if isinstance(item, FromRows):
            insert_rows(AuditEvent, AUDIT_COLUMNS, rows)
            written += len(rows)
            rows = []
            if item.model not in types:
                types[item.model] = ContentType.objects.get_for_model(item.model).pk
            head = (at, item.kind, item.verb or bound_verb or item.kind, actor_id, actor_name,
                    actor_org_path)  # fmt: skip
            written += _insert_from_rows(item, head, actor_org_path, types[item.model], tail)
            continue
        kind, verb, model, pk, object_repr, org_path, changes = item
        if model not in types:
            types[model] = ContentType.objects.get_for_model(model).pk
        rows.append(
            (
                at, kind, verb or bound_verb or kind, actor_id, actor_name, actor_org_path,
                org_path or actor_org_path, types[model], str(pk), object_repr[:200],
                encode(changes), *tail,
            )
        )  # fmt: skip
    insert_rows(AuditEvent, AUDIT_COLUMNS, rows)
    return written + len(rows)


def _insert_from_rows(
    item: FromRows, head: tuple[Any, ...], actor_org_path: str, type_id: int, tail: tuple[Any, ...]
) -> int:
    from django.db import connection

    from liudong.core.models import AuditEvent

    if not item.ids:
        return 0
    quote = connection.ops.quote_name
    table = quote(AuditEvent._meta.db_table)
    names = ", ".join(quote(c) for c in AUDIT_COLUMNS)
    source = quote(item.model._meta.db_table)
    pk = quote(item.model._meta.pk.column)
    marks = ", ".join(["%s"] * len(head))
    tail_marks = ", ".join(["%s"] * len(tail))
    sql = (
        f"INSERT INTO {table} ({names}) SELECT {marks}, "
        f"COALESCE(NULLIF({item.path_sql}, ''), %s), %s, t.{pk}::text, "
        f"LEFT({item.repr_sql}, 200), "
        f"jsonb_build_object('after', {_snapshot_sql(item.model)}), {tail_marks} "
        f"FROM {source} t {item.joins} WHERE t.{pk} = ANY(%s) ORDER BY t.{pk}"
    )
    params = [*head, actor_org_path, type_id, *tail, list(item.ids)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _now() -> datetime.datetime:
    from django.utils import timezone

    return timezone.now()


def set_actor(actor: Any) -> None:
    """Name the actor for the rest of this request (after token authentication).

    Only call inside a request bound by the middleware, which restores the context.
    """
    _context.set(replace(_context.get(), actor=actor))


def events_about(viewer: Any, model: type[models.Model], pks: list[Any]) -> Any:
    """Audit rows about objects of ``model`` that ``viewer`` may see (timelines, "who viewed
    my data").

    The trail's own scope follows the organization that acted; this reads the rows about
    objects instead, so it checks those objects against the scope gate first and never
    returns rows about anything the viewer cannot see.
    """
    from django.contrib.contenttypes.models import ContentType

    from liudong.core.models import AuditEvent
    from liudong.core.scope import visible_to

    visible = visible_to(viewer, model._default_manager.filter(pk__in=pks))
    ids = [str(pk) for pk in visible.values_list("pk", flat=True)]
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=ids
    )
