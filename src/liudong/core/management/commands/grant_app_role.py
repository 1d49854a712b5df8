"""Give PostgreSQL's application role its rights: all it needs, and on the audit trail only
INSERT and SELECT (decision 58, docs/operations.md "PostgreSQL: two roles").

Run as the owner role (the one that runs ``liudong migrate`` and owns the tables) after each
``migrate``; it is idempotent. Tables the owner creates later get the same rights by default.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

AUDIT_TABLE = "core_auditevent"
PURGE_FUNCTION = "core_auditevent_purge(timestamptz)"


def grant_statements(*, app: str, owner: str, schema: str) -> list[str]:
    """The SQL that gives ``app`` its rights (identifiers already quoted)."""
    return [
        f"GRANT USAGE ON SCHEMA {schema} TO {app}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {app}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {app}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {app}",
        # The audit trail: append and read only; the purge runs as the owner's function.
        f"REVOKE ALL ON TABLE {schema}.{AUDIT_TABLE} FROM {app}",
        f"GRANT SELECT, INSERT ON TABLE {schema}.{AUDIT_TABLE} TO {app}",
        f"GRANT EXECUTE ON FUNCTION {schema}.{PURGE_FUNCTION} TO {app}",
    ]


class Command(BaseCommand):
    help = (
        "PostgreSQL: grant the application role (web and workers) its rights; on the audit "
        "table only INSERT and SELECT. Run as the owner role after migrate."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("role", help="the application role, e.g. liudong_app")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--print", action="store_true", help="print the SQL instead of running it"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            raise CommandError("Roles exist on PostgreSQL only; SQLite has nothing to grant.")
        role = options["role"]
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT schemaname, tableowner FROM pg_tables "
                "WHERE tablename = %s AND schemaname = current_schema()",
                [AUDIT_TABLE],
            )
            found = cursor.fetchone()
            if found is None:
                raise CommandError("Run `liudong migrate` (as the owner role) first.")
            schema, owner = found
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
            app = cursor.fetchone()
            if app is None:
                raise CommandError(
                    f"Role {role} does not exist: CREATE ROLE {quote(role)} LOGIN PASSWORD '…';"
                )
            if role == owner or app[0]:
                raise CommandError(
                    f"{role} owns the tables or is a superuser: the application role must be "
                    "another, ordinary role."
                )
            cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [role, owner])
            if cursor.fetchone()[0]:
                raise CommandError(
                    f"{role} is a member of {owner} and would have the owner's rights: "
                    f"REVOKE {quote(owner)} FROM {quote(role)};"
                )
            statements = grant_statements(app=quote(role), owner=quote(owner), schema=quote(schema))
            if options["print"]:
                self.stdout.write(";\n".join(statements) + ";")
                return
            with transaction.atomic(using=options["database"]):
                for statement in statements:
                    cursor.execute(statement)
        self.stdout.write(
            f"{role}: read and write on every table of {schema}, on {AUDIT_TABLE} only "
            "INSERT and SELECT; the retention purge through core_auditevent_purge."
        )
