"""The rollup kept exact by the database: triggers on members_flowrecord maintain
analytics_flowtally under every writer (the ledger's actions, bulk_create, plain INSERT and
COPY, queryset updates, deletes, TRUNCATE). "Contact overdue" depends on today's date, so
the tally keeps it for an anchor day (analytics_flowtallyday) and two covering partial
indexes answer the records between the anchor and today's cutoff.

PostgreSQL: statement-level triggers with transition tables; each statement adds its
changes per key in one ``INSERT … ON CONFLICT DO UPDATE`` (a COPY of a million rows is one
grouped upsert), keys in a fixed order so concurrent writers lock tally rows in the same
order; an update that changes no counted column writes nothing. SQLite: row triggers with
the same upsert. The key treats NULL sides as equal (PostgreSQL 15 ``NULLS NOT DISTINCT``;
SQLite an index on ``ifnull(…, 0)``). Triggers fire only in the default replication role:
a load under ``session_replication_role = replica`` (or with triggers disabled) must run
``liudong rebuild_tally`` afterwards.
"""

from django.db import migrations

KEY = "direction, flow_scope, status, prefecture, home_organization_id, inflow_organization_id"
PICK = (
    "direction, flow_scope, status, substr(destination_place_id, 1, 4), "
    "home_organization_id, inflow_organization_id"
)
# Overdue on the anchor day: last contact (or, never contacted, the start) before it.
LATE = "coalesce(last_contact_on, left_on) < {anchor}"
COVERING = (
    "direction, flow_scope, status, destination_place_id, home_organization_id, "
    "inflow_organization_id"
)


def fill(anchor: str) -> str:
    late = LATE.format(anchor=anchor)
    return f"""
INSERT INTO analytics_flowtally ({KEY}, n, overdue)
SELECT {PICK}, count(*), sum(CASE WHEN {late} THEN 1 ELSE 0 END)
FROM members_flowrecord WHERE is_open GROUP BY {PICK}
"""


PG_LATE = LATE.format(anchor="anchor")
PG_UPSERT = (
    f"ON CONFLICT ({KEY}) DO UPDATE SET n = analytics_flowtally.n + EXCLUDED.n, "
    "overdue = analytics_flowtally.overdue + EXCLUDED.overdue;"
)
PG_FORWARD = f"""
CREATE UNIQUE INDEX analytics_flowtally_key ON analytics_flowtally ({KEY}) NULLS NOT DISTINCT;
INSERT INTO analytics_flowtallyday (id, day) VALUES (1, CURRENT_DATE - 90);

CREATE OR REPLACE FUNCTION analytics_flowtally_apply() RETURNS trigger AS $$
DECLARE
  anchor date;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM analytics_flowtally;
    RETURN NULL;
  END IF;
  -- Take the tally's lock before reading the anchor: a rebuild (EXCLUSIVE) that moves the
  -- anchor and recounts then runs wholly before or wholly after this change.
  LOCK TABLE analytics_flowtally IN ROW EXCLUSIVE MODE;
  SELECT day INTO anchor FROM analytics_flowtallyday WHERE id = 1;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO analytics_flowtally ({KEY}, n, overdue)
    SELECT {PICK}, count(*), count(*) FILTER (WHERE {PG_LATE})
    FROM tally_new WHERE is_open GROUP BY {PICK} ORDER BY {PICK}
    {PG_UPSERT}
  ELSIF TG_OP = 'DELETE' THEN
    -- An empty tally has nothing to take from (a flush that emptied it first).
    IF NOT EXISTS (SELECT 1 FROM analytics_flowtally) THEN
      RETURN NULL;
    END IF;
    INSERT INTO analytics_flowtally ({KEY}, n, overdue)
    SELECT {PICK}, -count(*), -count(*) FILTER (WHERE {PG_LATE})
    FROM tally_old WHERE is_open GROUP BY {PICK} ORDER BY {PICK}
    {PG_UPSERT}
  ELSE  -- UPDATE: what changed, per key; a change of nothing counted writes nothing
    INSERT INTO analytics_flowtally ({KEY}, n, overdue)
    SELECT {KEY}, sum(d), sum(o) FROM (
      SELECT {PICK}, 1, CASE WHEN {PG_LATE} THEN 1 ELSE 0 END
      FROM tally_new WHERE is_open
      UNION ALL
      SELECT {PICK}, -1, CASE WHEN {PG_LATE} THEN -1 ELSE 0 END
      FROM tally_old WHERE is_open
    ) AS changes ({KEY}, d, o)
    GROUP BY {KEY} HAVING sum(d) <> 0 OR sum(o) <> 0 ORDER BY {KEY}
    {PG_UPSERT}
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER analytics_flowtally_insert AFTER INSERT ON members_flowrecord
  REFERENCING NEW TABLE AS tally_new
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_flowtally_apply();
CREATE TRIGGER analytics_flowtally_update AFTER UPDATE ON members_flowrecord
  REFERENCING OLD TABLE AS tally_old NEW TABLE AS tally_new
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_flowtally_apply();
CREATE TRIGGER analytics_flowtally_delete AFTER DELETE ON members_flowrecord
  REFERENCING OLD TABLE AS tally_old
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_flowtally_apply();
CREATE TRIGGER analytics_flowtally_truncate AFTER TRUNCATE ON members_flowrecord
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_flowtally_apply();

CREATE INDEX analytics_contact_overdue_idx ON members_flowrecord (last_contact_on)
  INCLUDE ({COVERING}) WHERE is_open;
CREATE INDEX analytics_never_contacted_idx ON members_flowrecord (left_on)
  INCLUDE ({COVERING}) WHERE is_open AND last_contact_on IS NULL;
"""
PG_BACKWARD = """
DROP INDEX IF EXISTS analytics_never_contacted_idx;
DROP INDEX IF EXISTS analytics_contact_overdue_idx;
DROP TRIGGER IF EXISTS analytics_flowtally_truncate ON members_flowrecord;
DROP TRIGGER IF EXISTS analytics_flowtally_delete ON members_flowrecord;
DROP TRIGGER IF EXISTS analytics_flowtally_update ON members_flowrecord;
DROP TRIGGER IF EXISTS analytics_flowtally_insert ON members_flowrecord;
DROP FUNCTION IF EXISTS analytics_flowtally_apply();
DROP INDEX IF EXISTS analytics_flowtally_key;
DELETE FROM analytics_flowtallyday;
DELETE FROM analytics_flowtally;
"""

SQLITE_KEY = (
    "direction, flow_scope, status, prefecture, "
    "ifnull(home_organization_id, 0), ifnull(inflow_organization_id, 0)"
)
SQLITE_ANCHOR = "(SELECT day FROM analytics_flowtallyday WHERE id = 1)"


def _sqlite_add(row: str, sign: int) -> str:
    """SQLite: add the OLD or NEW row to its key (sign 1) or take it out (-1)."""
    late = LATE.format(anchor=SQLITE_ANCHOR).replace("coalesce(", f"coalesce({row}.")
    late = late.replace(", left_on)", f", {row}.left_on)")
    return (
        f"INSERT INTO analytics_flowtally ({KEY}, n, overdue) VALUES ({row}.direction, "
        f"{row}.flow_scope, {row}.status, substr({row}.destination_place_id, 1, 4), "
        f"{row}.home_organization_id, {row}.inflow_organization_id, {sign}, "
        f"CASE WHEN {late} THEN {sign} ELSE 0 END) "
        f"ON CONFLICT ({SQLITE_KEY}) DO UPDATE SET n = n + excluded.n, "
        "overdue = overdue + excluded.overdue;"
    )


_CHANGED = " OR ".join(
    f"OLD.{c} IS NOT NEW.{c}"
    for c in (
        "is_open",
        "direction",
        "flow_scope",
        "status",
        "destination_place_id",
        "home_organization_id",
        "inflow_organization_id",
        "last_contact_on",
        "left_on",
    )
)
SQLITE_FORWARD = [
    f"CREATE UNIQUE INDEX analytics_flowtally_key ON analytics_flowtally ({SQLITE_KEY})",
    "INSERT INTO analytics_flowtallyday (id, day) VALUES (1, date('now', '-90 days'))",
    "CREATE TRIGGER analytics_flowtally_insert AFTER INSERT ON members_flowrecord "
    f"WHEN NEW.is_open BEGIN {_sqlite_add('NEW', 1)} END",
    # An empty tally has nothing to take from (Django's flush empties it first).
    "CREATE TRIGGER analytics_flowtally_delete AFTER DELETE ON members_flowrecord "
    "WHEN OLD.is_open AND EXISTS (SELECT 1 FROM analytics_flowtally) "
    f"BEGIN {_sqlite_add('OLD', -1)} END",
    "CREATE TRIGGER analytics_flowtally_update_old AFTER UPDATE ON members_flowrecord "
    f"WHEN OLD.is_open AND ({_CHANGED}) BEGIN {_sqlite_add('OLD', -1)} END",
    "CREATE TRIGGER analytics_flowtally_update_new AFTER UPDATE ON members_flowrecord "
    f"WHEN NEW.is_open AND ({_CHANGED}) BEGIN {_sqlite_add('NEW', 1)} END",
    "CREATE INDEX analytics_contact_overdue_idx ON members_flowrecord "
    f"(last_contact_on, {COVERING}) WHERE is_open",
    "CREATE INDEX analytics_never_contacted_idx ON members_flowrecord "
    f"(left_on, {COVERING}) WHERE is_open AND last_contact_on IS NULL",
]
SQLITE_BACKWARD = [
    "DROP INDEX IF EXISTS analytics_never_contacted_idx",
    "DROP INDEX IF EXISTS analytics_contact_overdue_idx",
    "DROP TRIGGER IF EXISTS analytics_flowtally_update_new",
    "DROP TRIGGER IF EXISTS analytics_flowtally_update_old",
    "DROP TRIGGER IF EXISTS analytics_flowtally_delete",
    "DROP TRIGGER IF EXISTS analytics_flowtally_insert",
    "DROP INDEX IF EXISTS analytics_flowtally_key",
    "DELETE FROM analytics_flowtallyday",
    "DELETE FROM analytics_flowtally",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
        schema_editor.execute(fill("(SELECT day FROM analytics_flowtallyday WHERE id = 1)"))
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)
        schema_editor.execute(fill(SQLITE_ANCHOR))
    # Other databases: no triggers; the figures read the records (rollup.TRIGGER_VENDORS).


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0002_flow_tally"), ("members", "0002_ledger_indexes")]
    operations = [migrations.RunPython(forward, backward)]
