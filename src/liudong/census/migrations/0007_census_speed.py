"""Issue 17 (decision 200): two indexes of the dry run's entries that no query needs.

Every dry run writes one ``CensusEntry`` per accepted row (100,000 for a large county).
``submission_id``'s own index (the foreign key's) is the first column of the unique
``census_entry_once_per_file`` (``submission_id, id_number_index``), which serves every
search by submission and the cascade; the ``varchar_pattern_ops`` copy of
``id_number_index`` serves ``LIKE 'x%'``, which nothing asks of a blind index (compared
whole: checked with ``grep`` for ``__startswith``, ``__contains`` and raw ``LIKE``). The
plain ``id_number_index`` index stays (searches across submissions). PostgreSQL only, like
members 0008; a later ``AlterField`` on these columns would let Django recreate them: drop
them again in that migration.
"""

from django.db import migrations

# (index, create statement): the names Django gave them in 0001.
UNUSED = (
    (
        "census_censusentry_id_number_index_e223d1a5_like",
        'ON "census_censusentry" ("id_number_index" varchar_pattern_ops)',
    ),
    ("census_censusentry_submission_id_0ded24a0", 'ON "census_censusentry" ("submission_id")'),
)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _create in UNUSED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, how in UNUSED:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" {how}')


class Migration(migrations.Migration):
    dependencies = [
        ("census", "0006_index_key"),
    ]

    operations = [migrations.RunPython(drop, create, elidable=False)]
