"""The rollup keys the county of residence too (issue 12 item 1, decision 95).

An inflow record counts, in the totals, under the county where the member lives
(``members_flowrecord.residence_organization_id``, kept by members migration 0006), and
under its station as a breakdown of its own: the tally needs the column in its key. The
triggers and covering indexes of migrations 0003 and 0004 are made again with it: the same
statements, one more key column (see 0003 for how they work).
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

_0003 = importlib.import_module("liudong.analytics.migrations.0003_flow_tally_triggers")
_0004 = importlib.import_module("liudong.analytics.migrations.0004_filter_indexes")

KEY = (
    "direction, flow_scope, status, prefecture, home_organization_id, inflow_organization_id, "
    "residence_organization_id"
)
PICK = (
    "direction, flow_scope, status, substr(destination_place_id, 1, 4), "
    "home_organization_id, inflow_organization_id, residence_organization_id"
)
LATE = _0003.LATE
COVERING = (
    "direction, flow_scope, status, destination_place_id, home_organization_id, "
    "inflow_organization_id, residence_organization_id"
)
INDEX_COLUMNS = (
    "direction, flow_scope, status, destination_place_id, home_organization_id, "
    "inflow_organization_id, residence_organization_id, last_contact_on, left_on"
)


def fill(anchor: str) -> str:
    late = LATE.format(anchor=anchor)
    return f"""
INSERT INTO analytics_flowtally ({KEY}, n, overdue)
SELECT {PICK}, count(*), sum(CASE WHEN {late} THEN 1 ELSE 0 END)
FROM members_flowrecord WHERE is_open GROUP BY {PICK}
"""


def _swap(text: str) -> str:
    """0003's statements with this migration's key (the old key as written there)."""
    return (
        text.replace(_0003.PICK, PICK)
        .replace(_0003.COVERING, COVERING)
        .replace(_0003.KEY, KEY)
    )


PG_FORWARD = _swap(_0003.PG_FORWARD)
SQLITE_KEY = _0003.SQLITE_KEY + ", ifnull(residence_organization_id, 0)"


def _sqlite_add(row: str, sign: int) -> str:
    old = _0003._sqlite_add(row, sign)
    return (
        old.replace(f"({_0003.KEY}, n, overdue)", f"({KEY}, n, overdue)")
        .replace(
            f"{row}.inflow_organization_id, {sign},",
            f"{row}.inflow_organization_id, {row}.residence_organization_id, {sign},",
        )
        .replace(f"ON CONFLICT ({_0003.SQLITE_KEY})", f"ON CONFLICT ({SQLITE_KEY})")
    )


_CHANGED = _0003._CHANGED + " OR OLD.residence_organization_id IS NOT NEW.residence_organization_id"
SQLITE_FORWARD = [
    f"CREATE UNIQUE INDEX analytics_flowtally_key ON analytics_flowtally ({SQLITE_KEY})",
    "INSERT INTO analytics_flowtallyday (id, day) VALUES (1, date('now', '-90 days'))",
    "CREATE TRIGGER analytics_flowtally_insert AFTER INSERT ON members_flowrecord "
    f"WHEN NEW.is_open BEGIN {_sqlite_add('NEW', 1)} END",
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


def _filter_indexes(vendor: str, columns: str) -> list[str]:
    """0004's covering indexes, covering ``columns``."""
    found = []
    for name, key, extra, condition in _0004.INDEXES:
        keys = {c.strip() for c in key.split(",")}
        wanted = [c.strip() for c in f"{columns}, {extra}".split(",") if c.strip()]
        covered = ", ".join(c for c in wanted if c not in keys)
        if vendor == "postgresql":
            found.append(
                f"CREATE INDEX {name} ON members_flowrecord ({key}) INCLUDE ({covered}) "
                f"WHERE {condition}"
            )
        else:
            found.append(
                f"CREATE INDEX {name} ON members_flowrecord ({key}, {covered}) WHERE {condition}"
            )
    return found


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        return
    _0004.backward(apps, schema_editor)
    _0003.backward(apps, schema_editor)
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
        schema_editor.execute(fill("(SELECT day FROM analytics_flowtallyday WHERE id = 1)"))
    else:
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)
        schema_editor.execute(fill(_0003.SQLITE_ANCHOR))
    for statement in _filter_indexes(vendor, INDEX_COLUMNS):
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        return
    _0004.backward(apps, schema_editor)
    _0003.backward(apps, schema_editor)  # the same names: drops this migration's
    _0003.forward(apps, schema_editor)
    _0004.forward(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0004_filter_indexes'),
        ('members', '0006_residence_side'),
        ('orgs', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='flowtally',
            name='residence_organization',
            field=models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orgs.organization', verbose_name='county of residence'),
        ),
        migrations.RunPython(forward, backward),
    ]
