"""Issue 17's memory and speed work keeps every result (decision 202): the import's process
holds no openpyxl (nor numpy), the Excel dates and merged ranges read without it give what
openpyxl gave, and a cell text seen again in a file is checked to the same value."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl.utils.cell import range_boundaries as openpyxl_boundaries
from openpyxl.utils.datetime import from_excel

from liudong.census.checker import FileContext, check_row
from liudong.census.columns import range_boundaries
from liudong.census.formats import excel_date

from .conftest import row as good_row

SRC = Path(__file__).resolve().parents[2] / "src"


def test_excel_serials_give_openpyxls_days() -> None:
    rng = random.Random(17)
    serials = [1, 1.5, 59, 59.5, 59.999999, 60, 60.25, 61, 43831, 45000.999999999, 2958465.9]
    serials += [rng.uniform(1, 2_958_466) for _ in range(5_000)]
    serials += [rng.randint(1, 2_958_465) for _ in range(1_000)]
    for serial in serials:
        assert excel_date(serial) == from_excel(serial).date(), serial


@pytest.mark.parametrize("ref", ["A1:B2", "$A$1:$AB$200", "C3", "XFD1048576:XFD1048576", "b2:d5"])
def test_merged_ranges_read_as_openpyxl_reads_them(ref: str) -> None:
    assert range_boundaries(ref) == openpyxl_boundaries(ref.upper())


@pytest.mark.parametrize("ref", ["", "A", "1:2", "A1:", "A1:B2:C3", "AAAA1", "中1"])
def test_a_range_that_is_no_range_is_refused(ref: str) -> None:
    with pytest.raises(ValueError):
        range_boundaries(ref)


def test_the_import_path_imports_no_openpyxl_nor_numpy(tmp_path: Path) -> None:
    script = (
        "import sys, django; django.setup()\n"
        "from liudong.census import actions, checker, importer, reader\n"
        "from liudong.census.actions import dry_run, commit\n"
        "print(sorted(m for m in ('openpyxl', 'numpy', 'scipy', 'PIL') if m in sys.modules))\n"
    )
    env = dict(
        os.environ,
        PYTHONPATH=str(SRC),
        DJANGO_SETTINGS_MODULE="liudong.settings",
        LIUDONG_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout


@pytest.mark.django_db
def test_a_cell_text_seen_again_is_checked_to_the_same_values(demo: Any, branch: Any) -> None:
    ctx = FileContext(demo("620821"))
    fresh = FileContext(demo("620821"))
    raw = good_row(organization=f" {branch.name} ", destination="陕西省 西安市雁塔区 ")
    first = check_row(ctx, 2, dict(raw))
    again = check_row(ctx, 3, dict(raw))  # every text now from the file's cache
    alone = check_row(fresh, 3, dict(raw))
    assert first.ok and again.ok
    assert again.values == first.values == alone.values
    assert ctx.texts["destination"]  # the cache was used


@pytest.mark.django_db
def test_a_refused_cell_is_refused_again_not_cached(demo: Any, branch: Any) -> None:
    ctx = FileContext(demo("620821"))
    raw = good_row(organization=branch.name, employer="=HYPERLINK(1)")
    for number in (2, 3):
        checked = check_row(ctx, number, dict(raw))
        assert [p.code for p in checked.problems] == ["formula"]
    assert "=HYPERLINK(1)" not in ctx.texts["employer"]
