"""Give every existing station its own QR token, then make the token unique."""

from django.db import migrations, models

import liudong.stations.models


def fill_tokens(apps, schema_editor):
    Station = apps.get_model("stations", "Station")
    for station in Station.objects.filter(qr_token__isnull=True):
        station.qr_token = liudong.stations.models.new_qr_token()
        station.save(update_fields=["qr_token"])


class Migration(migrations.Migration):
    dependencies = [("stations", "0002_check_ins_and_branch_approval")]

    operations = [
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="station",
            name="qr_token",
            field=models.CharField(
                default=liudong.stations.models.new_qr_token,
                editable=False,
                max_length=32,
                unique=True,
                verbose_name="QR link token",
            ),
        ),
    ]
