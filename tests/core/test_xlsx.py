"""The one cell writer (liudong.core.xlsx): text that looks like a formula is written as
text, numbers stay numbers, and no other module makes, writes or answers a workbook."""

from __future__ import annotations

import ast
import datetime
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from liudong.core import xlsx

SRC = Path(xlsx.__file__).resolve().parents[1]  # src/liudong
HOSTILE = (
    '=HYPERLINK("http://evil.example","点我")',
    "+1+2",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
)


def reopened(book: object) -> object:
    return load_workbook(io.BytesIO(xlsx.save(book)))  # type: ignore[arg-type]


def assert_text(cell: object, text: str) -> None:
    assert cell.data_type == "s", (text, cell.data_type)  # type: ignore[attr-defined]
    assert cell.value == text  # type: ignore[attr-defined]
    assert cell.quotePrefix, text  # type: ignore[attr-defined]


def test_formula_like_text_is_written_as_text_on_a_normal_sheet() -> None:
    book = xlsx.workbook()
    for row, text in enumerate(HOSTILE, start=1):
        xlsx.write(book.active, row, 1, text)
    sheet = reopened(book).active  # type: ignore[attr-defined]
    for row, text in enumerate(HOSTILE, start=1):
        assert_text(sheet.cell(row, 1), text)


def test_formula_like_text_is_written_as_text_on_a_write_only_sheet() -> None:
    book = xlsx.workbook(write_only=True)
    sheet = book.create_sheet("s")
    sheet.append(xlsx.row(sheet, HOSTILE))
    sheet.append([xlsx.cell(sheet, text) for text in HOSTILE])
    back = reopened(book).active  # type: ignore[attr-defined]
    for row in (1, 2):
        for column, text in enumerate(HOSTILE, start=1):
            assert_text(back.cell(row, column), text)


def test_numbers_stay_numbers_and_dates_dates() -> None:
    book = xlsx.workbook()
    sheet = book.active
    xlsx.write(sheet, 1, 1, -5)
    xlsx.write(sheet, 1, 2, -2.5)
    xlsx.write(sheet, 1, 3, datetime.date(2024, 3, 1))
    xlsx.write(sheet, 1, 4, "张三")
    back = reopened(book).active  # type: ignore[attr-defined]
    assert back.cell(1, 1).value == -5 and back.cell(1, 1).data_type == "n"
    assert back.cell(1, 2).value == -2.5 and back.cell(1, 2).data_type == "n"
    assert back.cell(1, 3).value == datetime.datetime(2024, 3, 1)
    assert back.cell(1, 3).number_format == xlsx.DATE_FORMAT
    assert back.cell(1, 4).value == "张三" and not back.cell(1, 4).quotePrefix


def test_a_cell_written_past_the_writer_is_neutralised_when_saved() -> None:
    book = xlsx.workbook()
    book.active.cell(row=1, column=1, value="=HYPERLINK(1)")  # what openpyxl alone does
    book.active.cell(row=1, column=2, value="+1+2")
    assert book.active.cell(1, 1).data_type == "f"
    back = reopened(book).active  # type: ignore[attr-defined]
    assert_text(back.cell(1, 1), "=HYPERLINK(1)")
    assert_text(back.cell(1, 2), "+1+2")


def test_the_one_deliberate_formula_is_a_sum_over_a_range() -> None:
    book = xlsx.workbook()
    xlsx.formula(book.active, 3, 1, "=SUM(A1:A2)")
    back = reopened(book).active  # type: ignore[attr-defined]
    assert back.cell(3, 1).data_type == "f" and back.cell(3, 1).value == "=SUM(A1:A2)"
    for expression in ('=HYPERLINK("http://x")', "=SUM(A1:A2)+1", "=1+2", "+SUM(A1:A2)"):
        with pytest.raises(ValueError):
            xlsx.formula(book.active, 4, 1, expression)


# --- no module writes a workbook past the writer -------------------------------------------

# openpyxl names that make, open or fill a workbook: only core/xlsx.py imports them.
WRITING_NAMES = {"Workbook", "load_workbook", "WriteOnlyCell", "Cell", "MergedCell"}
# Reading an upload (read-only) is not writing: the census reader opens the files it checks.
READERS = {
    "census/reader.py": {"load_workbook"},
    "stations/actions/host_sites.py": {"load_workbook"},
}


def _modules() -> list[tuple[str, ast.Module]]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative == "core/xlsx.py" or "/migrations/" in relative:
            continue
        found.append((relative, ast.parse(path.read_text(encoding="utf-8"))))
    return found


def test_only_the_writer_imports_openpyxls_writing_names() -> None:
    offenders = []
    for relative, tree in _modules():
        allowed = READERS.get(relative, set())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("openpyxl"):
                if (node.module or "").startswith("openpyxl.cell"):
                    offenders.append(f"{relative}: from {node.module} import ...")
                names = {alias.name for alias in node.names}
                offenders += [f"{relative}: {name}" for name in (names & WRITING_NAMES) - allowed]
            elif isinstance(node, ast.Import):
                offenders += [
                    f"{relative}: import {a.name}" for a in node.names if a.name == "openpyxl"
                ]
    assert not offenders, "write workbooks through liudong.core.xlsx: " + ", ".join(offenders)


def test_no_module_writes_a_cell_value_past_the_writer() -> None:
    """``sheet.cell(row, column, value)`` and ``cell.value = ...`` are the writer's."""
    offenders = []
    for relative, tree in _modules():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "cell"
                and (len(node.args) >= 3 or any(k.arg == "value" for k in node.keywords))
            ):
                offenders.append(f"{relative}:{node.lineno}")
            if isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and target.attr == "value"
                        and isinstance(target.value, ast.Name)
                        and "cell" in target.value.id
                    ):
                        offenders.append(f"{relative}:{node.lineno}")
    assert not offenders, "write cells with liudong.core.xlsx.write: " + ", ".join(offenders)


def _decorator_names(function: ast.FunctionDef) -> set[str]:
    return {ast.unparse(d) for d in function.decorator_list}


def test_every_workbook_answer_comes_from_a_marked_view() -> None:
    """The workbook's content type is written in core/xlsx.py only, and every view calling
    ``xlsx.response`` is marked ``@xlsx.download``: the route test finds them all."""
    offenders = []
    for relative, tree in _modules():
        source = ast.unparse(tree)
        if "spreadsheetml" in source:
            offenders.append(f"{relative}: builds an .xlsx answer itself")
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "liudong.core.xlsx":
                offenders.append(f"{relative}: import the module (xlsx.response, xlsx.download)")
            if not isinstance(node, ast.FunctionDef):
                continue
            calls = [
                c
                for c in ast.walk(node)
                if isinstance(c, ast.Call) and ast.unparse(c.func) == "xlsx.response"
            ]
            if calls and "xlsx.download" not in _decorator_names(node):
                offenders.append(f"{relative}:{node.name} is not marked @xlsx.download")
    assert not offenders, ", ".join(offenders)
