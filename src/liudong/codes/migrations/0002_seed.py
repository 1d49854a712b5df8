"""Load the built-in code tables (sex, ethnicity, education, ...) into every new database."""

from django.db import migrations


def seed(apps, schema_editor):
    from liudong.codes.data import sync

    sync(apps.get_model("codes", "CodeTable"), apps.get_model("codes", "Code"))


class Migration(migrations.Migration):

    dependencies = [
        ("codes", "0001_initial"),
    ]

    operations = [
        # Unseeding is not offered: codes may already be referenced by records.
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
