"""Every census file type (.xlsx, .xls, .ods) read the same way: the same rows give the same
dry run, formulas are refused in each with their cells named, the row limit refuses a file
before any row is checked, and every kind of bad input is refused with a message."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from liudong.census import actions, importer, reader, workbooks
from liudong.census.checker import FileContext
from liudong.census.columns import COLUMNS, column_letter
from liudong.census.models import CensusSubmission
from liudong.core.errors import DomainError
from liudong.core.scope import SYSTEM

from .conftest import fresh_ids, row, upload
from .spreadsheets import WRITERS, Formula, ods, table, xls, xlsx

FORMATS = ["xlsx", "xls", "ods"]
KEYS = [c.key for c in COLUMNS]
EMPLOYER = column_letter(KEYS.index("employer"))
LEFT_ON = column_letter(KEYS.index("left_on"))


def mixed_rows(branch: Any) -> list[dict[str, Any]]:
    """Good rows with dates in every accepted form, and rows with problems."""
    ids = fresh_ids(9)
    org = branch.name
    return [
        row(id_number=ids[0], organization=org, left_on=datetime.date(2023, 3, 1)),  # date cell
        row(id_number=ids[1], organization=org, left_on=44986),  # an Excel serial
        row(id_number=ids[2], organization=org, left_on="2023/3/1"),
        row(id_number=ids[3], organization=org, left_on="2023年3月1日"),
        row(id_number=ids[4], organization=org, left_on="20230301"),
        row(id_number=ids[5], organization=org, left_on="2023-02-30"),  # no such day
        row(id_number=ids[6][:-1], organization=org),  # a digit short
        row(id_number=ids[0], organization=org),  # repeats the first row
        row(id_number=ids[7], organization="没有这个支部"),
        row(id_number=ids[8], organization=org, joined_on=datetime.date(1999, 7, 1)),
    ]


def submit(run_file: Any, kind: str, rows: list[list[Any]], **kwargs: Any) -> Any:
    return run_file(WRITERS[kind](rows, **kwargs), name=f"census.{kind}")


def outcome(submission: CensusSubmission) -> tuple[Any, ...]:
    problems = sorted(
        submission.problems.values_list("row_number", "column", "column_letter", "code")
    )
    counts = (
        submission.state,
        submission.rows_total,
        submission.rows_new,
        submission.rows_rejected,
        submission.rows_conflict,
    )
    return counts, problems


def test_the_same_rows_give_the_same_dry_run_in_every_format(run_file: Any, branch: Any) -> None:
    rows = table(mixed_rows(branch))
    results = {kind: outcome(submit(run_file, kind, rows)) for kind in FORMATS}
    assert results["xlsx"][0] == ("validated", 10, 6, 4, 0), results["xlsx"]
    assert results["xls"] == results["xlsx"]
    assert results["ods"] == results["xlsx"]


def checked_values(path: Path, name: str, county: Any) -> list[dict[str, Any]]:
    sheet = reader.open_sheet(path, name)
    try:
        chunks = importer.checked_chunks(FileContext(county), sheet, {})
        return [r.values | {"row": r.row_number} for chunk, _last in chunks for r in chunk]
    finally:
        sheet.close()


def test_dates_read_the_same_from_every_format(
    demo: Any, branch: Any, tmp_path: Path, census_round: Any
) -> None:
    rows = table(mixed_rows(branch))
    values = {}
    for kind in FORMATS:
        path = tmp_path / f"census.{kind}"
        path.write_bytes(WRITERS[kind](rows))
        values[kind] = checked_values(path, path.name, demo("620821"))
    left = [v["left_on"] for v in values["xlsx"][:5]]
    assert left == ["2023-03-01"] * 5 or left == [datetime.date(2023, 3, 1)] * 5, left
    assert values["xls"] == values["xlsx"]
    assert values["ods"] == values["xlsx"]


@pytest.mark.parametrize("kind", FORMATS)
def test_formulas_are_refused_per_cell_in_every_format(
    run_file: Any, branch: Any, kind: str
) -> None:
    ids = fresh_ids(2)
    rows = table(
        [
            row(id_number=ids[0], organization=branch.name),
            row(
                id_number=ids[1],
                organization=branch.name,
                employer=Formula('CONCATENATE("某","公司")'),
            ),
        ]
    )
    submission = submit(run_file, kind, rows)
    problem = submission.problems.get()
    assert (problem.code, problem.row_number, problem.column) == ("formula", 3, "工作单位")
    assert problem.column_letter == EMPLOYER
    assert submission.rows_new == 1 and submission.rows_rejected == 1


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_a_row_of_formulas_without_values_is_not_skipped(
    run_file: Any, branch: Any, kind: str
) -> None:
    # openpyxl and xlwt keep no value for a formula: calamine reads the cell as empty.
    rows = table([row(organization=branch.name)])
    rows.append([None] * (KEYS.index("employer")) + [Formula("1+1", "2")])
    submission = submit(run_file, kind, rows)
    codes = set(submission.problems.filter(row_number=3).values_list("code", flat=True))
    assert "formula" in codes and submission.rows_rejected == 1


@pytest.mark.parametrize("kind", FORMATS)
def test_a_file_full_of_formulas_is_refused_as_a_whole(
    run_file: Any, branch: Any, kind: str, monkeypatch: Any
) -> None:
    from liudong.census import formulas

    monkeypatch.setattr(formulas, "MAX_NAMED", 2)
    ids = fresh_ids(4)
    rows = table(
        [row(id_number=i, organization=branch.name, employer=Formula("1+1", "2")) for i in ids]
    )
    submission = submit(run_file, kind, rows)
    assert submission.state == "rejected"
    problem = submission.problems.get()
    assert (
        problem.code == "file_formulas"
        and f"{EMPLOYER}2" in problem.message
        and "4" in problem.message
    )


@pytest.mark.parametrize("kind", FORMATS)
def test_the_row_limit_refuses_before_any_row_is_checked(
    run_file: Any, branch: Any, kind: str, settings: Any, monkeypatch: Any
) -> None:
    settings.LIUDONG_CENSUS_MAX_ROWS = 5
    checked: list[int] = []
    monkeypatch.setattr(importer, "check_row", lambda *a, **k: checked.append(1))

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("calamine opened the file")

    monkeypatch.setattr(reader, "_open_workbook", refuse)
    ids = fresh_ids(16)  # over the limit whatever the header row (at most row 10)
    submission = submit(
        run_file, kind, table([row(id_number=i, organization=branch.name) for i in ids])
    )
    assert submission.problems.get().code == "file_too_many_rows"
    assert checked == []


def test_empty_rows_below_an_ods_do_not_count(run_file: Any, branch: Any, settings: Any) -> None:
    settings.LIUDONG_CENSUS_MAX_ROWS = 5
    ids = fresh_ids(3)
    rows = table([row(id_number=i, organization=branch.name) for i in ids])
    submission = run_file(ods(rows, trailing_empty_rows=1_048_000), name="census.ods")
    assert submission.state == "validated" and submission.rows_new == 3


@pytest.mark.parametrize("kind", ["xls", "ods"])
def test_merged_cells_reject_their_rows_in_every_format(
    run_file: Any, branch: Any, kind: str
) -> None:
    ids = fresh_ids(3)
    rows = table([row(id_number=i, organization=branch.name) for i in ids])
    if kind == "ods":
        content = ods(rows, merge=(2, 8, 2))  # I3:I4
    else:
        import xlwt  # noqa: F401 — xlwt merges through write_merge; build it by hand

        content = _xls_merged(rows)
    submission = run_file(content, name=f"census.{kind}")
    merged = submission.problems.filter(code="merged_cells")
    assert set(merged.values_list("row_number", flat=True)) == {3, 4}
    assert "I3:I4" in merged.first().message


def _xls_merged(rows: list[list[Any]]) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("摸排数据")
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if (r, c) == (2, 8):
                ws.write_merge(2, 3, 8, 8, value)
            elif (r, c) != (3, 8) and value is not None:
                ws.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["xls", "ods"])
def test_the_error_workbook_is_an_xlsx_with_the_same_marks(
    run_file: Any, branch: Any, kind: str
) -> None:
    ids = fresh_ids(2)
    rows = table(
        [
            row(id_number=ids[0], organization=branch.name, left_on=datetime.date(2023, 3, 1)),
            row(id_number=ids[1], organization=branch.name, left_on="2023-02-30"),
        ]
    )
    marked = {}
    for each in ("xlsx", kind):
        submission = submit(run_file, each, rows)
        book = load_workbook(io.BytesIO(workbooks.error_workbook(submission)))
        sheet = book["摸排数据"]
        marked[each] = [
            (c.coordinate, c.fill.fgColor.rgb, c.comment.text if c.comment else None)
            for r in sheet.iter_rows()
            for c in r
            if c.comment is not None or c.fill.fgColor.rgb not in ("00000000", None)
        ]
        assert sheet["B2"].value == ids[0]
    assert marked[kind] == marked["xlsx"]
    assert any(coordinate == f"{LEFT_ON}3" for coordinate, _f, _c in marked[kind])


# --- bad input ------------------------------------------------------------------------------


def refused(demo: Any, census_round: Any, content: bytes, name: str) -> DomainError:
    with pytest.raises(DomainError) as caught:
        actions.submit_file(
            by=SYSTEM,
            census_round=census_round,
            county=demo("620821"),
            upload=upload(content, name),
        )
    assert not CensusSubmission.objects.filter(round=census_round).exists()
    return caught.value


def good_rows(branch: Any) -> list[list[Any]]:
    return table([row(organization=branch.name)])


def test_an_xls_with_a_password(demo: Any, census_round: Any, branch: Any) -> None:
    error = refused(demo, census_round, xls(good_rows(branch), encrypted=True), "c.xls")
    assert error.code == "file_password_or_xls" and "密码" in error.message


@pytest.mark.parametrize("name", ["c.xlsm", "c.xlsx"])
def test_a_macro_enabled_workbook(demo: Any, census_round: Any, branch: Any, name: str) -> None:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx(good_rows(branch)))) as source,
        zipfile.ZipFile(out, "w") as target,
    ):
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macros")
    error = refused(demo, census_round, out.getvalue(), name)
    assert error.code == "file_macros" and ".xlsm" in error.message and ".xlsx" in error.message


def test_an_ods_that_is_a_text_document(demo: Any, census_round: Any, branch: Any) -> None:
    content = ods(good_rows(branch), mime="application/vnd.oasis.opendocument.text")
    error = refused(demo, census_round, content, "c.ods")
    assert error.code == "file_ods_not_spreadsheet" and "text" in error.message


def test_an_xls_that_is_a_web_page(demo: Any, census_round: Any) -> None:
    page = "<html><body><table><tr><td>姓名</td><td>公民身份号码</td></tr></table></body></html>"
    error = refused(demo, census_round, page.encode(), "export.xls")
    assert error.code == "file_is_html" and "HTML" in error.message and ".xlsx" in error.message


@pytest.mark.parametrize("name", ["c.xlsx", "c.xls", "c.ods", "c.csv"])
def test_a_csv_under_any_name(demo: Any, census_round: Any, name: str) -> None:
    error = refused(demo, census_round, "姓名,公民身份号码\n张三,1\n".encode("gb18030"), name)
    assert error.code == "file_is_text" and "CSV" in error.message


@pytest.mark.parametrize(
    ("kind", "name"),
    [("xlsx", "c.xls"), ("xlsx", "c.ods"), ("xls", "c.xlsx"), ("ods", "c.xlsx"), ("xls", "c")],
)
def test_a_name_that_says_another_format(
    demo: Any, census_round: Any, branch: Any, kind: str, name: str
) -> None:
    error = refused(demo, census_round, WRITERS[kind](good_rows(branch)), name)
    assert error.code == "file_name_mismatch" and f".{kind}" in error.message


def test_an_xlsb_is_named(demo: Any, census_round: Any, branch: Any) -> None:
    error = refused(demo, census_round, xlsx(good_rows(branch)), "c.xlsb")
    assert error.code == "file_xlsb"


def test_bad_input_messages_are_in_chinese_too(demo: Any, census_round: Any) -> None:
    from django.utils import translation

    with translation.override("zh-hans"):
        error = refused(demo, census_round, b"<html><table></table></html>", "c.xls")
    assert "网页" in error.message


def test_a_damaged_ods_is_refused_whole(run_file: Any, branch: Any) -> None:
    good = ods(good_rows(branch))
    submission = run_file(good[: len(good) - 60], name="c.ods")  # the zip's directory cut off
    assert submission.state == "rejected"
    assert set(submission.problems.values_list("code", flat=True)) == {"file_damaged"}
    assert submission.rows_new == 0


def test_the_command_line_reads_an_ods_and_names_the_xlsx_it_marks(
    census_round: Any, branch: Any, tmp_path: Path
) -> None:
    from django.core.management import call_command
    from django.utils import translation

    path = tmp_path / "泾川.ods"
    bad = row(organization=branch.name, left_on="2023-02-30")
    path.write_bytes(ods(table([row(organization=branch.name), bad])))
    out = io.StringIO()
    with translation.override("en"):
        call_command(
            "census",
            "import",
            str(path),
            "--round",
            census_round.name,
            "--county",
            "620821",
            stdout=out,
        )
    text = out.getvalue()
    assert "2 rows: 1 new" in text and "1 rejected" in text, text
    assert "always as an .xlsx workbook" in text
