"""Random cell contents through the row checks: no exception escapes, every rejected row
says why (column and message)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liudong.census.checker import FileContext, check_row
from liudong.census.columns import COLUMNS

from .conftest import row as good_row

cells = st.one_of(
    st.none(),
    st.text(max_size=60),
    st.text(alphabet="0123456789Xx ＸＸ０１２３４５６７８９-/.年月日", max_size=25),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=datetime.date(1, 1, 1)),
    st.datetimes(),
    st.sampled_from(
        ["=SUM(A1:A2)", "汉族", "回", "男", "流出", "流入", "务工经商", "兰州", "北京市朝阳区"]
    ),
)
rows = st.fixed_dictionaries({c.key: cells for c in COLUMNS})


@pytest.fixture
def context(demo: Any) -> FileContext:
    return FileContext(demo("620821"))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=rows)
def test_random_cells_never_raise_and_rejections_explain(context: FileContext, raw: Any) -> None:
    checked = check_row(context, 7, raw)
    if not checked.ok:
        for problem in checked.problems:
            assert problem.message.strip()
            assert problem.code
    else:
        assert checked.id_number_index and checked.values["left_on"]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(key=st.sampled_from([c.key for c in COLUMNS]), value=cells)
def test_one_random_cell_in_a_good_row(
    context: FileContext, branch: Any, key: str, value: Any
) -> None:
    raw = good_row(organization=branch.name)
    raw[key] = value
    checked = check_row(context, 3, raw)
    assert checked.ok or all(p.message for p in checked.problems)
