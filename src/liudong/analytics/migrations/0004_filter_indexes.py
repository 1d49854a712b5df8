"""Covering partial indexes for the figures the rollup cannot answer (issue 11, item 4).

The rollup (``analytics_flowtally``) keys direction, scope, status, the destination's
prefecture and the two sides; the dashboards' and the map's other filters read the open
records, each through an index that holds every column the read names, so PostgreSQL
answers them index-only (on a vacuumed table) and reads only the matching records:

- ``analytics_period_idx``: the period filter (the stay's start, ``left_on``, a year or a
  month), with the reason beside it (a reason and a period: one range of the index);
- ``analytics_destination_idx``: the map drilled to a prefecture (its counties: a range of
  destination codes);
- ``analytics_origin_idx``: the inflow members' origins (direction, then the origin).

SQLite has no ``INCLUDE``: the same columns follow the key.
"""

from django.db import migrations

# What the reader (analytics.figures.reader) reads of a record, besides the index's key.
COLUMNS = (
    "direction, flow_scope, status, destination_place_id, home_organization_id, "
    "inflow_organization_id, last_contact_on, left_on"
)
INDEXES = (
    # name, key, covered (besides COLUMNS' own), condition
    ("analytics_period_idx", "left_on, reason", "", "is_open"),
    ("analytics_destination_idx", "destination_place_id", "reason", "is_open"),
    ("analytics_origin_idx", "direction, origin_place_id", "reason", "is_open"),
)


def _covered(key: str, extra: str) -> str:
    keys = {c.strip() for c in key.split(",")}
    columns = [c.strip() for c in f"{COLUMNS}, {extra}".split(",") if c.strip()]
    return ", ".join(c for c in columns if c not in keys)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, key, extra, condition in INDEXES:
        covered = _covered(key, extra)
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE INDEX {name} ON members_flowrecord ({key}) INCLUDE ({covered}) "
                f"WHERE {condition}"
            )
        else:
            schema_editor.execute(
                f"CREATE INDEX {name} ON members_flowrecord ({key}, {covered}) WHERE {condition}"
            )


def backward(apps, schema_editor):
    for name, _key, _extra, _condition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("analytics", "0003_flow_tally_triggers")]
    operations = [migrations.RunPython(forward, backward)]
