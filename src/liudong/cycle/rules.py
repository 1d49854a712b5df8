"""The dues rule, once: months, the bracket a base falls in, the amount, the arrears.

Money is :class:`~decimal.Decimal` in yuan, rounded to the fen (half up), never a float.
Months are the first day of the month (``datetime.date``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liudong.core.errors import DomainError

FEN = Decimal("0.01")
LIMIT = Decimal(100_000_000)  # the columns hold 10 digits, two of them fen
# Months unpaid from which a member is flagged (the list, the member-page badge).
ARREARS_FLAG = 3
# The rule's consequence, quoted where arrears are shown; nothing follows from it here.
CONSEQUENCE = gettext_lazy(
    "The rule on party dues: a member who does not pay dues as required is criticised and "
    "educated by their party organization and given a time to put it right; a member who, "
    "without good reason, has not paid dues for six months in a row is dealt with as having "
    "left the party of their own accord. The platform only shows the months owed; the branch "
    "decides."
)


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(first: datetime.date, last: datetime.date) -> int:
    """Months from ``first`` to ``last`` inclusive (0 when ``last`` is before ``first``)."""
    return max(0, (last.year - first.year) * 12 + last.month - first.month + 1)


def money(value: Any, field: str = "amount") -> Decimal:
    """A sum of money from input (text or number; never a float's rounding), to the fen."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise DomainError(
            f"invalid_{field}", _("Give a sum of money in yuan, like 12.50."), field
        ) from None
    if not amount.is_finite() or not 0 <= amount < LIMIT or amount.as_tuple().exponent < -2:
        raise DomainError(f"invalid_{field}", _("Give a sum of money in yuan, like 12.50."), field)
    return amount.quantize(FEN)


def bracket_for(brackets: Iterable[Any], category: str, base: Decimal | None) -> Any:
    """The bracket of ``category`` that ``base`` falls in: the lowest ``upper`` at or above
    it (3,000 exactly is in the bracket "up to 3,000"); flat categories have one bracket."""
    rows = sorted(
        (b for b in brackets if b.category == category),
        key=lambda b: (b.upper is None, b.upper or 0),
    )
    if not rows:
        raise DomainError(
            "no_bracket", _("The dues rule has no line for this category."), "category"
        )
    if rows[0].rate is None:
        return rows[0]
    if base is None:
        raise DomainError("base_required", _("Give the monthly base."), "base")
    for row in rows:
        if row.upper is None or base <= row.upper:
            return row
    raise DomainError("no_bracket", _("The dues rule has no line for this base."), "base")


def amount_for(
    brackets: Iterable[Any], category: str, base: Decimal | None, chosen: Decimal | None = None
) -> Decimal:
    """The monthly dues: the base times the bracket's rate, or the fixed amount (the one
    staff chose within a range, the lowest when they chose none)."""
    bracket = bracket_for(brackets, category, base)
    if bracket.rate is not None:
        amount = (base * bracket.rate / Decimal(100)).quantize(FEN, rounding=ROUND_HALF_UP)
        return max(amount, FEN)
    if chosen is None:
        return bracket.amount_min
    if not bracket.amount_min <= chosen <= bracket.amount_max:
        raise DomainError(
            "amount_out_of_range",
            _("Choose an amount from %(low)s to %(high)s yuan.")
            % {"low": bracket.amount_min, "high": bracket.amount_max},
            "amount",
        )
    return chosen


def unpaid_months(
    starts_on: datetime.date, paid: Iterable[datetime.date], today: datetime.date
) -> list[datetime.date]:
    """Months owed: from the setting's first month to the last month before ``today``'s
    (the current month is not yet owed), less those paid. Years run on: December, January
    and February unpaid are three months."""
    last = add_months(month_of(today), -1)
    first = month_of(starts_on)
    paid_set = set(paid)
    return [
        m
        for m in (add_months(first, i) for i in range(months_between(first, last)))
        if m not in paid_set
    ]
