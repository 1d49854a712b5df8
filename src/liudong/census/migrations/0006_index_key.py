"""Issue 16 item 7a (decision 190): the blind indexes' next columns, filled under the new
index key during `liudong rotate-field-key` and swapped in one transaction. Plain ADD
COLUMNs (as in members 0005): SQLite would rebuild the tables for a NOT NULL column with a
default and drop the triggers on them."""

from django.db import migrations, models

# (table, column, indexed)
COLUMNS = (
    ("census_censusentry", "id_number_index_next", False),
    ("census_censusconflict", "id_number_index_next", True),
)


def add_columns(apps, schema_editor):
    sqlite = schema_editor.connection.vendor == "sqlite"
    kind = "text" if sqlite else "varchar(64)"
    for table, column, indexed in COLUMNS:
        schema_editor.execute(
            f'ALTER TABLE "{table}" ADD COLUMN "{column}" {kind} DEFAULT \'\' NOT NULL'
        )
        if indexed:
            name = schema_editor._create_index_name(table, [column])
            schema_editor.execute(f'CREATE INDEX "{name}" ON "{table}" ("{column}")')


def drop_columns(apps, schema_editor):
    for table, column, indexed in reversed(COLUMNS):
        if indexed:
            name = schema_editor._create_index_name(table, [column])
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
        schema_editor.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')


class Migration(migrations.Migration):

    dependencies = [
        ('census', '0005_conflict_asked_in_ledger'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(add_columns, drop_columns)],
            state_operations=[
                migrations.AddField(
                    model_name='censusconflict',
                    name='id_number_index_next',
                    field=models.CharField(blank=True, db_default='', db_index=True, default='', max_length=64),
                ),
                migrations.AddField(
                    model_name='censusentry',
                    name='id_number_index_next',
                    field=models.CharField(blank=True, db_default='', default='', max_length=64),
                ),
            ],
        ),
    ]
