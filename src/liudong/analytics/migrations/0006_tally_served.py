"""Served by a station, kept in the rollup (issue 11 item 4 after issue 12; decisions
125–127).

"Served by a station" (``analytics.figures.definitions``, decision 95) is a relationship
between a record and the open stations of its kind (liaison: outflow records; service:
inflow records): attached to the station's branch, an active check-in there, or a contact
by the branch in the last ``CONTACT_PERIOD_DAYS`` days. It is kept here in two steps:

1. **On the record** (``members_flowrecord.last_served_on``, members migration 0007): the
   last day a station of its kind served it: ``9999-12-31`` while attached or checked in,
   else the branch's last contact (NULL: never). Served on a day ⇔ ``last_served_on`` ≥
   that day's period start. Database triggers keep it under every writer: the record
   (its direction or inflow side changes; whatever a writer sends, it is derived), the
   contacts and the check-ins (their records are recomputed) and the stations (opening,
   closing, changing kind or branch recomputes the records of its branch, its check-ins
   and its branch's contacts, in the same transaction: rare).
2. **In the tally** (``analytics_flowtally.served``): per key, the open records served on
   the anchor's period start (``analytics_flowtallyday.served_since``); the nightly rebuild
   moves it to today's, and a reader corrects the day or so between from a covering index
   (``analytics_served_idx``), as for contact overdue (migration 0003).

The rule's SQL is :func:`served` (the rebuild's check, ``analytics.rollup``, reads it from
here). The tally's trigger function of 0003/0005 is replaced by the same function with the
served count; 0004/0005's covering indexes cover ``last_served_on`` too.
"""

import importlib

from django.db import migrations, models

_0003 = importlib.import_module("liudong.analytics.migrations.0003_flow_tally_triggers")
_0004 = importlib.import_module("liudong.analytics.migrations.0004_filter_indexes")
_0005 = importlib.import_module("liudong.analytics.migrations.0005_tally_residence")

ALWAYS = "'9999-12-31'"  # members.models.SERVED_ALWAYS
ACTIVE = "('pending', 'confirmed')"  # stations.models.ACTIVE_CHECK_IN


def served(row: str) -> str:
    """SQL: ``last_served_on`` as it should be for the record ``row`` (a table name, NEW or
    OLD)."""
    kind = f"CASE {row}.direction WHEN 'outflow' THEN 'liaison' WHEN 'inflow' THEN 'service' END"
    open_of_kind = f"s.status = 'open' AND s.kind = {kind}"
    return (
        "(CASE WHEN EXISTS (SELECT 1 FROM stations_station s "
        f"WHERE s.branch_id = {row}.inflow_organization_id AND {open_of_kind}) "
        "OR EXISTS (SELECT 1 FROM stations_checkin c JOIN stations_station s "
        f"ON s.id = c.station_id WHERE c.flow_id = {row}.id AND c.status IN {ACTIVE} "
        f"AND {open_of_kind}) THEN {ALWAYS} "
        "ELSE (SELECT max(k.contacted_on) FROM members_contact k JOIN stations_station s "
        f"ON s.branch_id = k.organization_id WHERE k.flow_id = {row}.id AND {open_of_kind}) "
        "END)"
    )


def differs(vendor: str) -> str:
    return "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"


def recompute(vendor: str, which: str) -> str:
    """An UPDATE that sets ``last_served_on`` of the records ``which`` selects (a condition
    on ``members_flowrecord``) where it differs."""
    return (  # the rule computed once a record, written where it differs
        f"UPDATE members_flowrecord SET last_served_on = x.v FROM (SELECT r.id AS id, "
        f"{served('r')} AS v FROM members_flowrecord r WHERE {which}) x "
        f"WHERE members_flowrecord.id = x.id AND members_flowrecord.last_served_on "
        f"{differs(vendor)} x.v"
    )


def expected(vendor: str) -> str:
    """SQL: (id, v) for every record :func:`served` gives a day (the rest: NULL), set-based
    (joins and one GROUP BY instead of three probes a record: the check over a million)."""
    always = f"DATE {ALWAYS}" if vendor == "postgresql" else ALWAYS
    kind = "CASE f.direction WHEN 'outflow' THEN 'liaison' WHEN 'inflow' THEN 'service' END"
    open_of_kind = f"s.status = 'open' AND s.kind = {kind}"
    return (
        "SELECT id, max(v) AS v FROM ("
        f"SELECT f.id AS id, {always} AS v FROM members_flowrecord f JOIN stations_station s "
        f"ON s.branch_id = f.inflow_organization_id WHERE {open_of_kind} "
        f"UNION ALL SELECT f.id, {always} FROM stations_checkin c JOIN stations_station s "
        "ON s.id = c.station_id JOIN members_flowrecord f ON f.id = c.flow_id "
        f"WHERE c.status IN {ACTIVE} AND {open_of_kind} "
        "UNION ALL SELECT f.id, k.contacted_on FROM members_contact k JOIN stations_station s "
        "ON s.branch_id = k.organization_id JOIN members_flowrecord f ON f.id = k.flow_id "
        f"WHERE {open_of_kind}) x GROUP BY id"
    )


def wrong(vendor: str) -> str:
    """SQL: (id, v) of the records whose ``last_served_on`` differs from the rule's.

    PostgreSQL: one ``FULL JOIN`` of the rule's values with the records that have one, which
    it can only run as a hash or merge join: with ``NOT EXISTS`` over the CTE (no statistics
    of its own), a table analyzed before its days were filled made the planner choose a
    nested loop over the CTE for every record (seen at 1,000,000 records: still running
    after 27 minutes; decision 159)."""
    if vendor == "postgresql":
        return (
            f"WITH e AS MATERIALIZED ({expected(vendor)}) "
            "SELECT COALESCE(e.id, f.id) AS id, e.v AS v FROM e FULL JOIN (SELECT id, "
            "last_served_on FROM members_flowrecord WHERE last_served_on IS NOT NULL) f "
            "ON f.id = e.id WHERE f.last_served_on IS DISTINCT FROM e.v"
        )
    return (
        f"WITH e AS MATERIALIZED ({expected(vendor)}) "
        "SELECT e.id, e.v FROM e JOIN members_flowrecord f ON f.id = e.id "
        f"WHERE f.last_served_on {differs(vendor)} e.v UNION ALL "
        "SELECT f.id, NULL FROM members_flowrecord f WHERE f.last_served_on IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM e WHERE e.id = f.id)"
    )


MENDING = "liudong.served_mend"  # PostgreSQL: set while the check writes the rule's values


def mend(vendor: str) -> list[str]:
    """Statements that set every record's ``last_served_on`` to the rule's where it differs
    (the fill here; the nightly rebuild's check), in one pass; the tally's triggers count
    what changes."""
    update = (
        f"UPDATE members_flowrecord SET last_served_on = m.v FROM ({wrong(vendor)}) m "
        "WHERE members_flowrecord.id = m.id"
    )
    if vendor != "postgresql":
        return [update]
    return [f"SELECT set_config('{MENDING}', 'on', true)", update,
            f"SELECT set_config('{MENDING}', '', true)"]  # fmt: skip


def _station_records(old_id: str, old_branch: str, new_id: str, new_branch: str) -> str:
    """The records a station's change may touch: its branch's, its check-ins', its
    branch's contacts' (the station's ids and branch ids before and after, SQL values)."""
    return (  # one list of ids, each part from its own index
        "id IN (SELECT id FROM members_flowrecord "
        f"WHERE inflow_organization_id IN ({old_branch}, {new_branch}) "
        f"UNION SELECT flow_id FROM stations_checkin WHERE station_id IN ({old_id}, {new_id}) "
        "UNION SELECT flow_id FROM members_contact "
        f"WHERE organization_id IN ({old_branch}, {new_branch}))"
    )


# --- the tally (PostgreSQL): 0005's function with the served count -------------------------
KEY = _0005.KEY
PICK = _0005.PICK
LATE = _0003.LATE.format(anchor="anchor")
SERVED_AT = "last_served_on >= served_anchor"
UPSERT = (
    f"ON CONFLICT ({KEY}) DO UPDATE SET n = analytics_flowtally.n + EXCLUDED.n, "
    "overdue = analytics_flowtally.overdue + EXCLUDED.overdue, "
    "served = analytics_flowtally.served + EXCLUDED.served;"
)
PG_TALLY = f"""
CREATE OR REPLACE FUNCTION analytics_flowtally_apply() RETURNS trigger AS $$
DECLARE
  anchor date;
  served_anchor date;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM analytics_flowtally;
    RETURN NULL;
  END IF;
  -- Take the tally's lock before reading the anchors: a rebuild (EXCLUSIVE) that moves them
  -- and recounts then runs wholly before or wholly after this change.
  LOCK TABLE analytics_flowtally IN ROW EXCLUSIVE MODE;
  SELECT day, served_since INTO anchor, served_anchor FROM analytics_flowtallyday WHERE id = 1;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO analytics_flowtally ({KEY}, n, overdue, served)
    SELECT {PICK}, count(*), count(*) FILTER (WHERE {LATE}),
      count(*) FILTER (WHERE {SERVED_AT})
    FROM tally_new WHERE is_open GROUP BY {PICK} ORDER BY {PICK}
    {UPSERT}
  ELSIF TG_OP = 'DELETE' THEN
    IF NOT EXISTS (SELECT 1 FROM analytics_flowtally) THEN
      RETURN NULL;
    END IF;
    INSERT INTO analytics_flowtally ({KEY}, n, overdue, served)
    SELECT {PICK}, -count(*), -count(*) FILTER (WHERE {LATE}),
      -count(*) FILTER (WHERE {SERVED_AT})
    FROM tally_old WHERE is_open GROUP BY {PICK} ORDER BY {PICK}
    {UPSERT}
  ELSE
    INSERT INTO analytics_flowtally ({KEY}, n, overdue, served)
    SELECT {KEY}, sum(d), sum(o), sum(s) FROM (
      SELECT {PICK}, 1, CASE WHEN {LATE} THEN 1 ELSE 0 END,
        CASE WHEN {SERVED_AT} THEN 1 ELSE 0 END
      FROM tally_new WHERE is_open
      UNION ALL
      SELECT {PICK}, -1, CASE WHEN {LATE} THEN -1 ELSE 0 END,
        CASE WHEN {SERVED_AT} THEN -1 ELSE 0 END
      FROM tally_old WHERE is_open
    ) AS changes ({KEY}, d, o, s)
    GROUP BY {KEY} HAVING sum(d) <> 0 OR sum(o) <> 0 OR sum(s) <> 0 ORDER BY {KEY}
    {UPSERT}
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""
PG_TALLY_BACKWARD = _0005.PG_FORWARD.split("CREATE TRIGGER")[0].split(
    "CREATE OR REPLACE FUNCTION"
)[1]

# --- last_served_on (PostgreSQL) ------------------------------------------------------------
_RELATED = (
    "NEW.direction IS DISTINCT FROM OLD.direction "
    "OR NEW.inflow_organization_id IS DISTINCT FROM OLD.inflow_organization_id "
    "OR NEW.id IS DISTINCT FROM OLD.id"
)
_FLOW_CHANGED = (
    f"{_RELATED} "
    # a writer sending a value it had loaded (a model's save()): the stored one stays; the
    # triggers' own updates (depth > 0) and the check's (MENDING) write theirs
    "OR (NEW.last_served_on IS DISTINCT FROM OLD.last_served_on AND pg_trigger_depth() = 0 "
    f"AND current_setting('{MENDING}', true) IS DISTINCT FROM 'on')"
)
STATION_BRANCHES = "SELECT branch_id FROM stations_station WHERE branch_id IS NOT NULL"


def _pg_changed(table: str, column_filter: str) -> str:
    """A statement trigger's function body for contacts or check-ins: recompute the
    records the changed rows name (``served_new``/``served_old``)."""
    pick = "SELECT flow_id FROM {t}" + (f" WHERE {column_filter}" if column_filter else "")
    new, old = pick.format(t="served_new"), pick.format(t="served_old")
    return f"""
CREATE OR REPLACE FUNCTION {table}_served() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {recompute("postgresql", f"id IN ({new})")};
  ELSIF TG_OP = 'DELETE' THEN
    {recompute("postgresql", f"id IN ({old})")};
  ELSE
    {recompute("postgresql", f"id IN ({new} UNION {old})")};
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_served_insert AFTER INSERT ON {table}
  REFERENCING NEW TABLE AS served_new FOR EACH STATEMENT EXECUTE FUNCTION {table}_served();
CREATE TRIGGER {table}_served_update AFTER UPDATE ON {table}
  REFERENCING OLD TABLE AS served_old NEW TABLE AS served_new
  FOR EACH STATEMENT EXECUTE FUNCTION {table}_served();
CREATE TRIGGER {table}_served_delete AFTER DELETE ON {table}
  REFERENCING OLD TABLE AS served_old FOR EACH STATEMENT EXECUTE FUNCTION {table}_served();
"""


PG_FORWARD = (
    f"""
CREATE OR REPLACE FUNCTION members_flowrecord_served() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NOT ({_RELATED}) THEN
    NEW.last_served_on := OLD.last_served_on;
  ELSE
    NEW.last_served_on := {served("NEW")};
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER members_flowrecord_served_insert BEFORE INSERT ON members_flowrecord
  FOR EACH ROW WHEN (NEW.inflow_organization_id IS NOT NULL OR NEW.last_served_on IS NOT NULL)
  EXECUTE FUNCTION members_flowrecord_served();
CREATE TRIGGER members_flowrecord_served_update BEFORE UPDATE ON members_flowrecord
  FOR EACH ROW WHEN ({_FLOW_CHANGED}) EXECUTE FUNCTION members_flowrecord_served();
"""
    + _pg_changed("members_contact", f"organization_id IN ({STATION_BRANCHES})")
    + _pg_changed("stations_checkin", "")
    + f"""
CREATE OR REPLACE FUNCTION stations_station_served() RETURNS trigger AS $$
DECLARE
  old_id bigint; old_branch bigint; new_id bigint; new_branch bigint;
BEGIN
  IF TG_OP <> 'INSERT' THEN old_id := OLD.id; old_branch := OLD.branch_id; END IF;
  IF TG_OP <> 'DELETE' THEN new_id := NEW.id; new_branch := NEW.branch_id; END IF;
  {recompute("postgresql", _station_records("old_id", "old_branch", "new_id", "new_branch"))};
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER stations_station_served_insert AFTER INSERT OR DELETE ON stations_station
  FOR EACH ROW EXECUTE FUNCTION stations_station_served();
CREATE TRIGGER stations_station_served_update AFTER UPDATE ON stations_station
  FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM OLD.status OR NEW.kind IS DISTINCT FROM OLD.kind
    OR NEW.branch_id IS DISTINCT FROM OLD.branch_id)
  EXECUTE FUNCTION stations_station_served();
"""
)
PG_BACKWARD = """
DROP TRIGGER IF EXISTS stations_station_served_update ON stations_station;
DROP TRIGGER IF EXISTS stations_station_served_insert ON stations_station;
DROP FUNCTION IF EXISTS stations_station_served();
DROP TRIGGER IF EXISTS stations_checkin_served_delete ON stations_checkin;
DROP TRIGGER IF EXISTS stations_checkin_served_update ON stations_checkin;
DROP TRIGGER IF EXISTS stations_checkin_served_insert ON stations_checkin;
DROP FUNCTION IF EXISTS stations_checkin_served();
DROP TRIGGER IF EXISTS members_contact_served_delete ON members_contact;
DROP TRIGGER IF EXISTS members_contact_served_update ON members_contact;
DROP TRIGGER IF EXISTS members_contact_served_insert ON members_contact;
DROP FUNCTION IF EXISTS members_contact_served();
DROP TRIGGER IF EXISTS members_flowrecord_served_update ON members_flowrecord;
DROP TRIGGER IF EXISTS members_flowrecord_served_insert ON members_flowrecord;
DROP FUNCTION IF EXISTS members_flowrecord_served();
"""

# --- SQLite: row triggers ---------------------------------------------------------------------
SQLITE_SINCE = "(SELECT served_since FROM analytics_flowtallyday WHERE id = 1)"


def _sqlite_add(row: str, sign: int) -> str:
    """0005's tally upsert with the served count."""
    old = _0005._sqlite_add(row, sign)
    return old.replace("(" + KEY + ", n, overdue)", "(" + KEY + ", n, overdue, served)").replace(
        " ELSE 0 END) ON CONFLICT",
        f" ELSE 0 END, CASE WHEN {row}.last_served_on >= {SQLITE_SINCE} THEN {sign} ELSE 0 END) "
        "ON CONFLICT",
    ).replace(
        "overdue = overdue + excluded.overdue;",
        "overdue = overdue + excluded.overdue, served = served + excluded.served;",
    )


_TALLY_CHANGED = _0005._CHANGED + " OR OLD.last_served_on IS NOT NEW.last_served_on"
SQLITE_TALLY = [
    "DROP TRIGGER IF EXISTS analytics_flowtally_update_new",
    "DROP TRIGGER IF EXISTS analytics_flowtally_update_old",
    "DROP TRIGGER IF EXISTS analytics_flowtally_delete",
    "DROP TRIGGER IF EXISTS analytics_flowtally_insert",
    "CREATE TRIGGER analytics_flowtally_insert AFTER INSERT ON members_flowrecord "
    f"WHEN NEW.is_open BEGIN {_sqlite_add('NEW', 1)} END",
    "CREATE TRIGGER analytics_flowtally_delete AFTER DELETE ON members_flowrecord "
    "WHEN OLD.is_open AND EXISTS (SELECT 1 FROM analytics_flowtally) "
    f"BEGIN {_sqlite_add('OLD', -1)} END",
    "CREATE TRIGGER analytics_flowtally_update_old AFTER UPDATE ON members_flowrecord "
    f"WHEN OLD.is_open AND ({_TALLY_CHANGED}) BEGIN {_sqlite_add('OLD', -1)} END",
    "CREATE TRIGGER analytics_flowtally_update_new AFTER UPDATE ON members_flowrecord "
    f"WHEN NEW.is_open AND ({_TALLY_CHANGED}) BEGIN {_sqlite_add('NEW', 1)} END",
]
_AT_STATION = "EXISTS (SELECT 1 FROM stations_station WHERE branch_id = {row}.organization_id)"


def _sqlite_rows(table: str, when: str) -> list[str]:
    """Contacts or check-ins: recompute the records the changed row names."""
    found = []
    for event, rows in (("INSERT", ("NEW",)), ("DELETE", ("OLD",)), ("UPDATE", ("OLD", "NEW"))):
        condition = " OR ".join(when.format(row=r) for r in rows) if when else ""
        ids = ", ".join(f"{r}.flow_id" for r in rows)
        found.append(
            f"CREATE TRIGGER {table}_served_{event.lower()} AFTER {event} ON {table} "
            f"{'WHEN ' + condition + ' ' if condition else ''}"
            f"BEGIN {recompute('sqlite', f'id IN ({ids})')}; END"
        )
    return found


_SQLITE_FLOW = "id = NEW.id"
_OLD_STATION, _NEW_STATION = ("OLD.id", "OLD.branch_id"), ("NEW.id", "NEW.branch_id")
SQLITE_FORWARD = [
    "CREATE TRIGGER members_flowrecord_served_insert AFTER INSERT ON members_flowrecord "
    "WHEN NEW.inflow_organization_id IS NOT NULL OR NEW.last_served_on IS NOT NULL "
    f"BEGIN {recompute('sqlite', _SQLITE_FLOW)}; END",
    "CREATE TRIGGER members_flowrecord_served_update AFTER UPDATE ON members_flowrecord "
    "WHEN NEW.direction IS NOT OLD.direction "
    "OR NEW.inflow_organization_id IS NOT OLD.inflow_organization_id "
    "OR NEW.id IS NOT OLD.id OR NEW.last_served_on IS NOT OLD.last_served_on "
    f"BEGIN {recompute('sqlite', _SQLITE_FLOW)}; END",
    *_sqlite_rows("members_contact", _AT_STATION),
    *_sqlite_rows("stations_checkin", ""),
    "CREATE TRIGGER stations_station_served_insert AFTER INSERT ON stations_station BEGIN "
    f"{recompute('sqlite', _station_records(*_NEW_STATION, *_NEW_STATION))}; END",
    "CREATE TRIGGER stations_station_served_delete AFTER DELETE ON stations_station BEGIN "
    f"{recompute('sqlite', _station_records(*_OLD_STATION, *_OLD_STATION))}; END",
    "CREATE TRIGGER stations_station_served_update AFTER UPDATE ON stations_station "
    "WHEN NEW.status IS NOT OLD.status OR NEW.kind IS NOT OLD.kind "
    "OR NEW.branch_id IS NOT OLD.branch_id BEGIN "
    f"{recompute('sqlite', _station_records(*_OLD_STATION, *_NEW_STATION))}; END",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "stations_station_served_update",
        "stations_station_served_delete",
        "stations_station_served_insert",
        "stations_checkin_served_update",
        "stations_checkin_served_delete",
        "stations_checkin_served_insert",
        "members_contact_served_update",
        "members_contact_served_delete",
        "members_contact_served_insert",
        "members_flowrecord_served_update",
        "members_flowrecord_served_insert",
    )
]

# --- indexes: the correction's, and 0004/0005's covering last_served_on too -------------------
INDEX_COLUMNS = _0005.INDEX_COLUMNS + ", last_served_on"


def _served_index(vendor: str) -> str:
    covered = _0005.INDEX_COLUMNS
    if vendor == "postgresql":
        return (
            f"CREATE INDEX analytics_served_idx ON members_flowrecord (last_served_on) "
            f"INCLUDE ({covered}) WHERE is_open AND last_served_on IS NOT NULL"
        )
    return (
        f"CREATE INDEX analytics_served_idx ON members_flowrecord (last_served_on, {covered}) "
        "WHERE is_open AND last_served_on IS NOT NULL"
    )


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        return
    today = "CURRENT_DATE - 365" if vendor == "postgresql" else "date('now', '-365 days')"
    # The tally counts no record served yet (every last_served_on is NULL): consistent. The
    # fill below goes through the tally's triggers, which count each record it marks.
    schema_editor.execute(f"UPDATE analytics_flowtallyday SET served_since = {today}")
    if vendor == "sqlite":  # adding a NOT NULL column remade the table without the key
        schema_editor.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS analytics_flowtally_key ON analytics_flowtally "
            f"({_0005.SQLITE_KEY})"
        )
    if vendor == "postgresql":
        schema_editor.execute(PG_TALLY)
        schema_editor.execute(PG_FORWARD)
    else:
        for statement in SQLITE_TALLY + SQLITE_FORWARD:
            schema_editor.execute(statement)
    for statement in mend(vendor):
        schema_editor.execute(statement)
    _0004.backward(apps, schema_editor)
    for statement in _0005._filter_indexes(vendor, INDEX_COLUMNS):
        schema_editor.execute(statement)
    schema_editor.execute(_served_index(vendor))


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        return
    schema_editor.execute("DROP INDEX IF EXISTS analytics_served_idx")
    _0004.backward(apps, schema_editor)
    for statement in _0005._filter_indexes(vendor, _0005.INDEX_COLUMNS):
        schema_editor.execute(statement)
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
        schema_editor.execute("CREATE OR REPLACE FUNCTION" + PG_TALLY_BACKWARD)
    else:
        for statement in SQLITE_BACKWARD + SQLITE_TALLY[:4]:  # 0005's come back below
            schema_editor.execute(statement)


def sqlite_unhook(apps, schema_editor):
    """SQLite remakes a table to add a NOT NULL column, which its triggers' references
    forbid: the tally's triggers go first (:func:`forward` makes them again)."""
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_TALLY[:4]:
            schema_editor.execute(statement)


def sqlite_rehook(apps, schema_editor):
    """Backward: 0005's tally triggers and key, once the column is gone."""
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS analytics_flowtally_key ON analytics_flowtally "
            f"({_0005.SQLITE_KEY})"
        )
        for statement in _0005.SQLITE_FORWARD[2:6]:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0005_tally_residence"),
        ("members", "0007_served_by_station"),
        ("stations", "0004_station_running"),  # triggers after the table is remade (SQLite)
    ]

    operations = [
        migrations.RunPython(sqlite_unhook, sqlite_rehook),
        migrations.AddField(
            model_name="flowtally",
            name="served",
            field=models.IntegerField(
                default=0,
                help_text=(
                    "Of them, served by a station of their kind in the period up to the anchor."
                ),
                verbose_name="served by a station on the anchor day",
            ),
        ),
        migrations.AddField(
            model_name="flowtallyday",
            name="served_since",
            field=models.DateField(null=True, verbose_name="served since"),
        ),
        migrations.RunPython(forward, backward),
    ]
