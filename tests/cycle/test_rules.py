"""The dues rule at each boundary of its brackets, and months owed across year ends."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from liudong.core.errors import DomainError
from liudong.cycle import rules
from liudong.cycle.models import DuesBracket

D = Decimal


@pytest.fixture
def brackets(db: Any) -> list[DuesBracket]:
    return list(DuesBracket.objects.all())  # seeded by the migration cycle/0002


@pytest.mark.parametrize(
    ("category", "base", "amount"),
    [
        ("employed", "2999.99", "15.00"),
        ("employed", "3000", "15.00"),  # 3,000 exactly: 0.5 %
        ("employed", "3000.01", "30.00"),  # above: 1 %
        ("employed", "5000", "50.00"),  # 5,000 exactly: 1 %
        ("employed", "5000.01", "75.00"),  # 1.5 %
        ("employed", "10000", "150.00"),  # 10,000 exactly: 1.5 %
        ("employed", "10000.01", "200.00"),  # 2 %
        ("employed", "23456.78", "469.14"),  # rounded half up to the fen
        ("employed", "1", "0.01"),  # never below a fen
        ("retired", "5000", "25.00"),  # 5,000 exactly: 0.5 %
        ("retired", "5000.01", "50.00"),  # above: 1 %
        ("student", None, "0.20"),
        ("unemployed", None, "0.20"),
        ("subsistence", None, "0.20"),
        ("farmer", None, "0.20"),  # the lowest of the range when none is chosen
    ],
)
def test_bracket_boundaries(brackets: Any, category: str, base: str | None, amount: str) -> None:
    found = rules.amount_for(brackets, category, D(base) if base else None)
    assert found == D(amount)
    assert isinstance(found, Decimal)


def test_farmer_chooses_within_the_range(brackets: Any) -> None:
    assert rules.amount_for(brackets, "farmer", None, D("0.50")) == D("0.50")
    assert rules.amount_for(brackets, "farmer", None, D("1.00")) == D("1.00")
    with pytest.raises(DomainError) as refused:
        rules.amount_for(brackets, "farmer", None, D("1.01"))
    assert refused.value.code == "amount_out_of_range"


def test_a_rated_category_needs_its_base(brackets: Any) -> None:
    with pytest.raises(DomainError) as refused:
        rules.amount_for(brackets, "employed", None)
    assert refused.value.code == "base_required"


def test_money_is_decimal_to_the_fen() -> None:
    assert rules.money("12.5") == D("12.50")
    assert rules.money(0.1) == D("0.10")  # a float's text, not its binary value
    for bad in ("12.345", "-1", "abc", "NaN", "1e999"):
        with pytest.raises(DomainError):
            rules.money(bad)


def test_months_owed_run_across_the_year_end() -> None:
    start = datetime.date(2025, 10, 1)
    paid = [datetime.date(2025, 10, 1)]
    # Mid-February 2026: November, December and January are owed; February not yet.
    owed = rules.unpaid_months(start, paid, datetime.date(2026, 2, 15))
    assert owed == [
        datetime.date(2025, 11, 1),
        datetime.date(2025, 12, 1),
        datetime.date(2026, 1, 1),
    ]
    assert rules.unpaid_months(start, paid, datetime.date(2026, 1, 31)) == owed[:2]
    assert rules.add_months(datetime.date(2025, 12, 1), 1) == datetime.date(2026, 1, 1)
    assert rules.add_months(datetime.date(2026, 1, 1), -1) == datetime.date(2025, 12, 1)
    assert rules.months_between(datetime.date(2025, 11, 1), datetime.date(2026, 2, 1)) == 4
