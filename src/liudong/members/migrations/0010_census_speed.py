"""Issue 17 (decision 200): an index that another index already holds.

``is_open``'s own index (``db_index=True`` in 0001) is the first column of
``contact_due_idx`` (``is_open, last_contact_on``, not partial): every search on ``is_open``
alone can use that one, and each record written (a census writes 100,000 at once) paid for
both. The analytics indexes that lead with ``last_contact_on`` and ``destination_place_id``
are partial (``WHERE is_open``), so those columns' own indexes stay (closed records, the
foreign keys). PostgreSQL only, like 0008; a later ``AlterField`` on ``is_open`` would let
Django recreate it: drop it again in that migration.
"""

from django.db import migrations

# (index, table, column): the name Django gave it in 0001.
COVERED = (("members_flowrecord_is_open_9a3337e9", "members_flowrecord", "is_open"),)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in COVERED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in COVERED:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")')


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0009_index_key"),
    ]

    operations = [migrations.RunPython(drop, create, elidable=False)]
