"""Fill the new fields; a claim on a person is one entry per round and claiming county
(decision 63): existing copies are folded into one (own transaction: PostgreSQL refuses to
alter a table with pending trigger events)."""

from django.db import migrations, models


def fill_and_fold(apps, schema_editor):
    Submission = apps.get_model("census", "CensusSubmission")
    Conflict = apps.get_model("census", "CensusConflict")
    # Before this field, only `liudong census import` submitted without a user.
    Submission.objects.filter(uploaded_by__isnull=True).update(uploaded_via="command_line")
    kept: dict[tuple[int, int, str], int] = {}
    doomed: list[int] = []
    rows = Conflict.objects.select_related("submission").order_by(
        # A decided entry wins over open copies; then the newest.
        models.Case(models.When(state="open", then=1), default=0),
        "-created_at",
        "-id",
    )
    for conflict in rows.iterator():
        conflict.round_id = conflict.submission.round_id
        conflict.county_id = conflict.submission.county_id
        key = (conflict.round_id, conflict.county_id, conflict.id_number_index)
        if key in kept:
            doomed.append(conflict.pk)
            continue
        kept[key] = conflict.pk
        conflict.save(update_fields=["round", "county"])
    for start in range(0, len(doomed), 500):
        Conflict.objects.filter(pk__in=doomed[start : start + 500]).delete()


class Migration(migrations.Migration):
    dependencies = [("census", "0002_uploaded_via_conflict_fields")]

    operations = [migrations.RunPython(fill_and_fold, migrations.RunPython.noop)]
