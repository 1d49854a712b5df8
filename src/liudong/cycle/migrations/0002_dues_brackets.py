"""The national rule of party dues as the first table of brackets (the city may change it):
《中国共产党党费收缴、使用和管理的规定》 (2008). Employed members by monthly after-tax
income: up to 3,000 yuan 0.5 %, up to 5,000 1 %, up to 10,000 1.5 %, above 2 %; retired
members by pension: up to 5,000 0.5 %, above 1 %; students, the unemployed and those on the
minimum living allowance 0.2 yuan a month; farmers 0.2 to 1 yuan."""

from decimal import Decimal

from django.db import migrations

BRACKETS = [
    ("employed", "3000", "0.5", None, None),
    ("employed", "5000", "1", None, None),
    ("employed", "10000", "1.5", None, None),
    ("employed", None, "2", None, None),
    ("retired", "5000", "0.5", None, None),
    ("retired", None, "1", None, None),
    ("student", None, None, "0.20", "0.20"),
    ("unemployed", None, None, "0.20", "0.20"),
    ("subsistence", None, None, "0.20", "0.20"),
    ("farmer", None, None, "0.20", "1.00"),
]


def seed(apps, schema_editor):
    bracket = apps.get_model("cycle", "DuesBracket")

    def dec(value):
        return Decimal(value) if value is not None else None

    for category, upper, rate, low, high in BRACKETS:
        bracket.objects.get_or_create(
            category=category,
            upper=dec(upper),
            defaults={"rate": dec(rate), "amount_min": dec(low), "amount_max": dec(high)},
        )


def unseed(apps, schema_editor):
    apps.get_model("cycle", "DuesBracket").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cycle", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
