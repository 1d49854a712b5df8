"""The audit trail is append-only beyond the ORM (decision 58).

PostgreSQL: the application role (web, workers) may only INSERT and SELECT audit rows;
every bypass is refused to it, and the retention purge runs as the owner's function.
SQLite: a trigger refuses deleting rows younger than the 180-day floor. Both: the test
suite's flush still empties the table.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from liudong.core import audit
from liudong.core.models import AuditEvent

ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL roles; runs in CI's PostgreSQL pass (.ci/run, DATABASE_URL=postgres://…)",
)
ON_SQLITE = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="SQLite's delete trigger; runs in CI's SQLite pass (.ci/run, no DATABASE_URL)",
)


def _old_and_recent() -> tuple[AuditEvent, AuditEvent]:
    old = AuditEvent.objects.create(
        kind="action", verb="old", at=timezone.now() - timedelta(days=400)
    )
    recent = AuditEvent.objects.create(
        kind="action", verb="recent", at=timezone.now() - timedelta(days=170)
    )
    return old, recent


# --- PostgreSQL: roles --------------------------------------------------------------------


@pytest.fixture
def app_role(transactional_db: Any) -> Iterator[dict[str, Any]]:
    """An application role set up as docs/operations.md says, and its connection facts."""
    name = f"liudong_app_test_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(16)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name} LOGIN PASSWORD %s", [password])
    try:
        call_command("grant_app_role", name, verbosity=0)
        settings = connection.settings_dict
        yield {
            "host": settings["HOST"] or "127.0.0.1",
            "port": settings["PORT"] or 5432,
            "dbname": settings["NAME"],
            "user": name,
            "password": password,
        }
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {name}")
            cursor.execute(f"DROP ROLE {name}")


def _as_app(role: dict[str, Any], sql: str, params: list[Any] | None = None) -> Any:
    import psycopg

    with psycopg.connect(**role, autocommit=True) as conn:
        return (
            conn.execute(sql, params).fetchall()
            if sql.lstrip().startswith("SELECT")
            else (conn.execute(sql, params).rowcount)
        )


@ON_POSTGRESQL
def test_the_application_role_cannot_remove_or_change_audit_rows(app_role: Any) -> None:
    import psycopg

    old, recent = _old_and_recent()
    refused = [
        "TRUNCATE core_auditevent",
        "DELETE FROM core_auditevent",
        f"DELETE FROM core_auditevent WHERE id = {old.pk}",
        "UPDATE core_auditevent SET detail = 'forged'",
        "ALTER TABLE core_auditevent DISABLE TRIGGER ALL",
        "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_update",
        "SET session_replication_role = replica",
        "DROP TABLE core_auditevent",
    ]
    for sql in refused:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _as_app(app_role, sql)
    assert AuditEvent.objects.filter(pk__in=[old.pk, recent.pk]).count() == 2
    # What the application does with the trail still works: append and read.
    assert (
        _as_app(
            app_role,
            "INSERT INTO core_auditevent (at, kind, verb, actor_name, actor_org_path, org_path, "
            "object_id, object_repr, changes, reason, detail, result, request_id, user_agent) "
            "VALUES (now(), 'action', 'by-app', '', '', '', '', '', '{}', '', '', 'ok', '', '')",
        )
        == 1
    )
    assert _as_app(app_role, "SELECT verb FROM core_auditevent WHERE verb = 'by-app'") == [
        ("by-app",)
    ]
    # ... and the rest of the tables are read and written as usual.
    assert _as_app(app_role, "UPDATE orgs_organization SET name = name WHERE false") == 0


@ON_POSTGRESQL
def test_the_application_role_purges_only_past_the_floor_through_the_function(
    app_role: Any,
) -> None:
    import psycopg

    old, recent = _old_and_recent()
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # younger than 180 days
        _as_app(app_role, "SELECT core_auditevent_purge(now() - interval '10 days')")
    assert AuditEvent.objects.filter(pk__in=[old.pk, recent.pk]).count() == 2
    removed = _as_app(app_role, "SELECT core_auditevent_purge(now() - interval '365 days')")
    assert removed == [(1,)]
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()


@ON_POSTGRESQL
def test_purge_audit_runs_as_the_application_role(app_role: Any) -> None:
    old, recent = _old_and_recent()
    settings = connection.settings_dict
    saved = settings["USER"], settings["PASSWORD"]
    connection.close()
    settings["USER"], settings["PASSWORD"] = app_role["user"], app_role["password"]
    try:
        call_command("purge_audit", days=365, verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == app_role["user"]
    finally:
        connection.close()
        settings["USER"], settings["PASSWORD"] = saved
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
    assert AuditEvent.objects.filter(verb="audit.purge").exists()  # appended by the app role


@ON_POSTGRESQL
def test_grant_app_role_refuses_a_superuser(db: Any) -> None:
    from django.core.management import CommandError

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        me = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="superuser"):
        call_command("grant_app_role", me, verbosity=0)


# --- SQLite: a delete trigger -------------------------------------------------------------


@ON_SQLITE
def test_sqlite_refuses_deleting_recent_audit_rows(db: Any) -> None:
    old, recent = _old_and_recent()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [recent.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent")
    assert AuditEvent.objects.filter(pk__in=[old.pk, recent.pk]).count() == 2
    with connection.cursor() as cursor:  # past the floor: the purge's way
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [old.pk])
    assert not AuditEvent.objects.filter(pk=old.pk).exists()


# --- Both: the purge command and the test suite's flush -----------------------------------


def test_purge_audit_keeps_rows_younger_than_the_retention(db: Any) -> None:
    old, recent = _old_and_recent()
    call_command("purge_audit", days=365, verbosity=0)
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()


def test_the_flush_still_empties_the_audit_trail(transactional_db: Any) -> None:
    # Outside a test transaction, as the suite's flush after each transactional test runs
    # (which runs again after this test, on a table holding a young row).
    audit.record("action", detail="recent")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    # The guard is back after the flush.
    event = audit.record("action", detail="after the flush")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET detail = 'x' WHERE id = %s", [event.pk])
    if connection.vendor == "sqlite":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
