"""A pending check-in is counted at read time, not in the record (decisions 128–129).

Migration 0006 kept every active check-in in ``members_flowrecord.last_served_on``: each
member's new (pending) check-in, the check-in's hot path at 50 at once, recomputed the
record, whose tally trigger then updated the few shared ``analytics_flowtally`` rows of its
key: lock waits on the hottest write (the limit's rate fell 3×).

Here ``last_served_on`` counts a **confirmed** check-in only (with the attachment and the
contacts, as before); a pending one writes nothing to the record or the tally: the
check-ins' triggers fire on a confirmed row only (inserted, changed to or from, removed).
The written definition (``analytics.figures.definitions``) is unchanged: the dashboard's
reader adds, at read time, the open records with a pending check-in at an open station of
their kind that are not otherwise served (``analytics.figures.pending``), from the partial
index made here (pending check-ins are few: staff answer them).

The rule's SQL is 0006's with the check-in condition narrowed (:func:`counted`); the
rollup's nightly check reads :func:`wrong` and :func:`mend` from here.
"""

import importlib

from django.db import migrations

_0006 = importlib.import_module("liudong.analytics.migrations.0006_tally_served")

ACTIVE_CLAUSE = f"c.status IN {_0006.ACTIVE}"
COUNTED_CLAUSE = "c.status = 'confirmed'"  # stations.models.CheckInStatus.CONFIRMED
PENDING_INDEX = (
    "CREATE INDEX stations_checkin_pending_idx ON stations_checkin (flow_id, station_id) "
    "WHERE status = 'pending'"
)


def counted(sql: str) -> str:
    """0006's SQL with a confirmed check-in, not any active one, making a record served."""
    assert ACTIVE_CLAUSE in sql, sql
    return sql.replace(ACTIVE_CLAUSE, COUNTED_CLAUSE)


def served(row: str) -> str:
    return counted(_0006.served(row))


def wrong(vendor: str) -> str:
    """SQL: (id, v) of the records whose ``last_served_on`` differs from the rule's."""
    return counted(_0006.wrong(vendor))


def mend(vendor: str) -> list[str]:
    """0006's :func:`mend` under this rule."""
    return [counted(s) if ACTIVE_CLAUSE in s else s for s in _0006.mend(vendor)]


# --- PostgreSQL ----------------------------------------------------------------------------
_CONFIRMED = "status = 'confirmed'"
_OLD_CHECKIN = _0006._pg_changed("stations_checkin", "")
_STATEMENT_INSERT = (
    "CREATE TRIGGER stations_checkin_served_insert AFTER INSERT ON stations_checkin\n"
    "  REFERENCING NEW TABLE AS served_new FOR EACH STATEMENT "
    "EXECUTE FUNCTION stations_checkin_served();\n"
)
_ROW_INSERT = f"""
CREATE OR REPLACE FUNCTION stations_checkin_served_row() RETURNS trigger AS $$
BEGIN
  {_0006.recompute("postgresql", "id = NEW.flow_id")};
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER stations_checkin_served_insert AFTER INSERT ON stations_checkin
  FOR EACH ROW WHEN (NEW.status = 'confirmed') EXECUTE FUNCTION stations_checkin_served_row();
"""
# Updates and deletes: set-based as before, the records of the confirmed rows only; an
# insert: a row trigger that a pending check-in (the hot path) does not fire at all.
_NEW_CHECKIN = _0006._pg_changed("stations_checkin", _CONFIRMED)
assert _STATEMENT_INSERT in _NEW_CHECKIN and _OLD_CHECKIN in _0006.PG_FORWARD
_NEW_CHECKIN = _NEW_CHECKIN.replace(_STATEMENT_INSERT, _ROW_INSERT)
PG_FORWARD = counted(_0006.PG_FORWARD.replace(_OLD_CHECKIN, _NEW_CHECKIN))
PG_DROP = "DROP FUNCTION IF EXISTS stations_checkin_served_row();"

# --- SQLite ----------------------------------------------------------------------------------
_OLD_SQLITE_CHECKIN = _0006._sqlite_rows("stations_checkin", "")
_NEW_SQLITE_CHECKIN = _0006._sqlite_rows("stations_checkin", "{row}." + _CONFIRMED)


def _sqlite_forward() -> list[str]:
    found = []
    for statement in _0006.SQLITE_FORWARD:
        if statement in _OLD_SQLITE_CHECKIN:
            statement = _NEW_SQLITE_CHECKIN[_OLD_SQLITE_CHECKIN.index(statement)]
        found.append(counted(statement) if ACTIVE_CLAUSE in statement else statement)
    return found


SQLITE_FORWARD = _sqlite_forward()


def _install(schema_editor, pg: str, sqlite: list[str], rule_mend: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(_0006.PG_BACKWARD + PG_DROP)
        schema_editor.execute(pg)
    else:
        for statement in _0006.SQLITE_BACKWARD + sqlite:
            schema_editor.execute(statement)
    for statement in rule_mend:  # the records a pending check-in alone served, through the tally
        schema_editor.execute(statement)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        return
    _install(schema_editor, PG_FORWARD, SQLITE_FORWARD, mend(vendor))
    schema_editor.execute(PENDING_INDEX)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        return
    schema_editor.execute("DROP INDEX IF EXISTS stations_checkin_pending_idx")
    _install(schema_editor, _0006.PG_FORWARD, _0006.SQLITE_FORWARD, _0006.mend(vendor))


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0006_tally_served"),
    ]

    operations = [migrations.RunPython(forward, backward)]
