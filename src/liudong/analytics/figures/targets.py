"""Coverage targets: an organization's own row or its nearest ancestor's, else the default."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection

from liudong.analytics.figures import tree
from liudong.analytics.models import CoverageTarget
from liudong.orgs.models import Organization


def default_targets() -> tuple[Decimal, Decimal]:
    return (
        Decimal(str(getattr(settings, "LIUDONG_COVERAGE_TARGET_IN_PROVINCE", 100))),
        Decimal(str(getattr(settings, "LIUDONG_COVERAGE_TARGET_OUT_OF_PROVINCE", 30))),
    )


@dataclass(frozen=True)
class Target:
    in_province: Decimal
    out_of_province: Decimal
    source: str  # the organization whose row applies, or "" for the default

    def as_dict(self) -> dict[str, Any]:
        return {
            "in_province": float(self.in_province),
            "out_of_province": float(self.out_of_province),
            "source": self.source,
        }


def targets_for(
    orgs: Iterable[Organization], year: int, month: int | None = None
) -> dict[int, Target]:
    """The target that applies to each organization in a period: its own row or its nearest
    ancestor's; a month's row beats the year's; the settings' default otherwise.

    Targets are configuration read along the ancestor chain of organizations already in
    the viewer's scope; only the percentages are shown, never the rows of other units.
    """
    orgs = list(orgs)
    ids = {pk for org in orgs for pk in tree.path_ids(org.path)}
    found: dict[int, dict[bool, Target]] = defaultdict(dict)
    for pk, row_month, in_province, out_of_province, name in _target_rows(ids, year, month):
        found[pk][row_month is not None] = Target(in_province, out_of_province, name)
    default_in, default_out = default_targets()
    result: dict[int, Target] = {}
    for org in orgs:
        target = Target(default_in, default_out, "")
        for pk in reversed(tree.path_ids(org.path)):
            rows_here = found.get(pk)
            if rows_here:
                target = rows_here.get(True) or rows_here[False]
                break
        result[org.pk] = target
    return result


def _target_rows(
    ids: Iterable[int], year: int, month: int | None
) -> list[tuple[int, int | None, Decimal, Decimal, str]]:
    """(organization id, month, in province, out of province, organization name) of the
    targets set on these organizations for the year (the month's and the year's rows),
    as SQL on the cursor: configuration, read along ancestor chains (see
    :func:`targets_for`), a query the page runs on every uncached view. The names come
    from the tree read for the answer when it holds them (else one more read)."""
    ids = sorted(int(pk) for pk in ids)
    if not ids:
        return []
    quote = connection.ops.quote_name
    table = quote(CoverageTarget._meta.db_table)
    column = {name: f"t.{quote(name)}" for name in ("organization_id", "year", "month")}
    months = (
        f"({column['month']} = %s OR {column['month']} IS NULL)"
        if month
        else (f"{column['month']} IS NULL")
    )
    fields = [CoverageTarget._meta.get_field(n) for n in ("in_province", "out_of_province")]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column['organization_id']}, {column['month']}, "
            f"{', '.join(f't.{quote(f.column)}' for f in fields)} FROM {table} t "
            f"WHERE {column['organization_id']} IN ({', '.join(['%s'] * len(ids))}) "
            f"AND {column['year']} = %s AND {months}",
            [*ids, year, *([month] if month else [])],
        )
        rows = cursor.fetchall()
    if not rows:
        return []
    names = tree.known_names()
    missing = {pk for pk, *_rest in rows if pk not in names}
    if missing:
        names.update(Organization.objects.filter(pk__in=missing).values_list("pk", "name"))
    return [
        (pk, row_month, _decimal(fields[0], a), _decimal(fields[1], b), names[pk])
        for pk, row_month, a, b in rows
        if pk in names
    ]


def _decimal(field: Any, value: Any) -> Decimal:
    """A decimal column's value as the ORM gives it (SQLite returns numbers)."""
    return field.to_python(value).quantize(Decimal(1).scaleb(-field.decimal_places))


def target_for(org: Organization, year: int, month: int | None = None) -> Target:
    return targets_for([org], year, month)[org.pk]
