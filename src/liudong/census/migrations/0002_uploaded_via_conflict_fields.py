"""A submission says how it came (web page or command line); a claim on a person gets its
round and county (filled by 0003)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("census", "0001_initial"),
        ("orgs", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="censussubmission",
            name="uploaded_via",
            field=models.CharField(
                choices=[("web", "web page"), ("command_line", "command line")],
                default="web",
                max_length=12,
                verbose_name="uploaded via",
            ),
        ),
        migrations.AddField(
            model_name="censusconflict",
            name="round",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="census.censusround",
                verbose_name="round",
            ),
        ),
        migrations.AddField(
            model_name="censusconflict",
            name="county",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgs.organization",
                verbose_name="county",
            ),
        ),
    ]
