"""The audit trail beyond the ORM (decision 58).

PostgreSQL: the retention purge is a function owned by the role that runs migrations (the
owner) and run with its rights (SECURITY DEFINER), so the application role needs no DELETE
on the table (``liudong grant_app_role`` grants it INSERT and SELECT only, and EXECUTE on
this function). The function deletes only rows older than the 180-day floor; the trigger
of 0002 still refuses younger rows to anyone.

SQLite: no roles, so a trigger refuses deleting rows younger than 180 days (the same floor).
``liudong flush`` (and so the test suite's flush) lifts it for the flush only.
"""

from django.db import migrations

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.core_auditevent_purge(cutoff timestamptz) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
  removed bigint;
BEGIN
  IF cutoff IS NULL OR cutoff > now() - interval '180 days' THEN
    RAISE EXCEPTION 'audit rows are kept at least 180 days'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  DELETE FROM {schema}.core_auditevent WHERE at < cutoff;
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END;
$$;
REVOKE ALL ON FUNCTION {schema}.core_auditevent_purge(timestamptz) FROM PUBLIC;
"""
PG_BACKWARD = "DROP FUNCTION IF EXISTS {schema}.core_auditevent_purge(timestamptz);"

# Django keeps SQLite datetimes as UTC text 'YYYY-MM-DD HH:MM:SS.ffffff', which compares
# in time order with strftime's 'YYYY-MM-DD HH:MM:SS.SSS'.
SQLITE_FORWARD = """
CREATE TRIGGER IF NOT EXISTS core_auditevent_keep_recent BEFORE DELETE ON core_auditevent
WHEN OLD.at > strftime('%Y-%m-%d %H:%M:%f', 'now', '-180 days')
BEGIN SELECT RAISE(ABORT, 'audit rows are kept at least 180 days'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS core_auditevent_keep_recent;"


def _schema(schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return schema_editor.quote_name(cursor.fetchone()[0])


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION.format(schema=_schema(schema_editor)))
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD.format(schema=_schema(schema_editor)))
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_indexes_for_reads")]
    operations = [migrations.RunPython(forward, backward)]
