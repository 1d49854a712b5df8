"""A claim on a person: one entry per round and claiming county (decision 63)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("census", "0003_fold_conflicts")]

    operations = [
        migrations.AlterField(
            model_name="censusconflict",
            name="round",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="census.censusround",
                verbose_name="round",
            ),
        ),
        migrations.AlterField(
            model_name="censusconflict",
            name="county",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgs.organization",
                verbose_name="county",
            ),
        ),
        migrations.AddConstraint(
            model_name="censusconflict",
            constraint=models.UniqueConstraint(
                fields=("round", "county", "id_number_index"),
                name="census_conflict_once_per_round_and_county",
            ),
        ),
    ]
