"""Issue 17 (decision 154): the pattern-operator copies of four indexes no query uses.

On PostgreSQL Django gives every indexed ``CharField`` (and a foreign key to a text key) a
second index with ``varchar_pattern_ops``, for ``LIKE 'x%'``. Every census row paid for
them on insert, and nothing asks: the blind indexes (``id_number_index``, ``phone_index``)
are only ever compared whole, a member's home place is looked up by its code (the ledger's
province and city filters run on the records' places, whose pattern indexes stay), and a
record's status is compared to its choices. The plain indexes stay. SQLite has none.
"""

from django.db import migrations

# (index, table, column): the names Django gave them in 0001.
PATTERN_INDEXES = (
    ("members_member_id_number_index_2eb3594c_like", "members_member", "id_number_index"),
    ("members_member_phone_index_fd9fadd1_like", "members_member", "phone_index"),
    ("members_member_home_place_id_40875f6b_like", "members_member", "home_place_id"),
    ("members_flowrecord_status_4a198863_like", "members_flowrecord", "status"),
)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in PATTERN_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in PATTERN_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0007_served_by_station"),
    ]

    operations = [migrations.RunPython(drop, create, elidable=False)]
