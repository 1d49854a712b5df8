"""Fill the new fields; a claim on a person is one entry per round and claiming county
(decision 63): existing copies are folded into one (own transaction: PostgreSQL refuses to
alter a table with pending trigger events)."""

from django.db import migrations, models


def fill_and_fold(apps, schema_editor):
    Submission = apps.get_model("census", "CensusSubmission")
    Conflict = apps.get_model("census", "CensusConflict")
    # Before this field, only `liudong census import` submitted without a user.
    Submission.objects.filter(uploaded_by__isnull=True).update(uploaded_via="command_line")
    for pk, round_id, county_id in Submission.objects.values_list("pk", "round_id", "county_id"):
        Conflict.objects.filter(submission_id=pk).update(round_id=round_id, county_id=county_id)
    kept: set[tuple[int, int, str]] = set()
    doomed: list[int] = []
    rows = Conflict.objects.order_by(
        # A decided entry wins over open copies; then the newest.
        models.Case(models.When(state="open", then=1), default=0),
        "-created_at",
        "-id",
    ).values_list("pk", "round_id", "county_id", "id_number_index")  # no payload decrypted
    for pk, round_id, county_id, index in rows.iterator():
        key = (round_id, county_id, index)
        if key in kept:
            doomed.append(pk)
        else:
            kept.add(key)
    for start in range(0, len(doomed), 500):
        Conflict.objects.filter(pk__in=doomed[start : start + 500]).delete()


class Migration(migrations.Migration):
    dependencies = [("census", "0002_uploaded_via_conflict_fields")]

    operations = [migrations.RunPython(fill_and_fold, migrations.RunPython.noop)]
