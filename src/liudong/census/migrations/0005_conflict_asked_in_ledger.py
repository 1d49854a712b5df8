"""A case from the ledger's form or API (decision 66): no file, no round; who entered it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('census', '0004_conflict_once'),
        ('members', '0002_ledger_indexes'),
        ('orgs', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='censusconflict',
            name='asked_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='entered by'),
        ),
        migrations.AddField(
            model_name='censusconflict',
            name='asked_for',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='orgs.organization', verbose_name='entered for'),
        ),
        migrations.AlterField(
            model_name='censusconflict',
            name='round',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='census.censusround', verbose_name='round'),
        ),
        migrations.AlterField(
            model_name='censusconflict',
            name='submission',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='conflicts', to='census.censussubmission'),
        ),
        migrations.AddConstraint(
            model_name='censusconflict',
            constraint=models.UniqueConstraint(condition=models.Q(('round__isnull', True), ('state', 'open')), fields=('county', 'id_number_index'), name='census_conflict_asked_once_while_open'),
        ),
    ]
