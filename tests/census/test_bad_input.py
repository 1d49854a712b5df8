"""Every kind of bad file the issue names, as real .xlsx files written by openpyxl: each
gets a clear message, nothing is written."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook

from liudong.census import actions
from liudong.census.columns import COLUMNS, template_header
from liudong.census.models import CensusSubmission
from liudong.core.errors import DomainError
from liudong.core.scope import SYSTEM
from liudong.members.idnumber import check_character
from liudong.members.models import Member

from .conftest import fresh_ids, row, upload, workbook_bytes


def messages_of(submission: CensusSubmission) -> list[tuple[Any, str, str]]:
    return list(submission.problems.values_list("row_number", "column", "message"))


def codes_of(submission: CensusSubmission) -> set[str]:
    return set(submission.problems.values_list("code", flat=True))


def test_not_an_xlsx_is_refused_at_upload(demo: Any, census_round: Any) -> None:
    with pytest.raises(DomainError) as caught:
        actions.submit_file(
            by=SYSTEM,
            census_round=census_round,
            county=demo("620821"),
            upload=upload("name,id\n张三,1\n".encode(), "list.csv"),
        )
    assert caught.value.code == "file_is_text"
    assert "CSV" in caught.value.message and ".xlsx" in caught.value.message
    assert not CensusSubmission.objects.filter(round=census_round).exists()


def test_password_protected_workbook_is_named_as_such(demo: Any, census_round: Any) -> None:
    # An encrypted .xlsx is an OLE compound file, not a zip.
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "EncryptionInfo".encode("utf-16-le")
    with pytest.raises(DomainError) as caught:
        actions.submit_file(
            by=SYSTEM, census_round=census_round, county=demo("620821"), upload=upload(ole)
        )
    assert caught.value.code == "file_password_or_xls"
    assert "password" in caught.value.message.lower() or "密码" in caught.value.message


def test_corrupted_workbook(run_file: Any, branch: Any) -> None:
    good = workbook_bytes([row(organization=branch.name)])
    damaged = good[: len(good) // 2]  # a zip cut in half (an interrupted download)
    submission = run_file(damaged)
    assert submission.state == "rejected"
    assert codes_of(submission) == {"file_damaged"}


def test_zip_bomb_is_refused_before_parsing(run_file: Any, settings: Any, branch: Any) -> None:
    settings.LIUDONG_CENSUS_MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024
    good = workbook_bytes([row(organization=branch.name)])
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(good)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for info in source.infolist():
            bomb.writestr(info, source.read(info.filename))
        bomb.writestr("xl/media/padding.bin", b"\x00" * (8 * 1024 * 1024))  # packs to ~8 KB
    submission = run_file(out.getvalue())
    assert submission.state == "rejected"
    assert codes_of(submission) == {"file_too_big_unpacked"}


def test_too_many_rows(run_file: Any, settings: Any, branch: Any) -> None:
    settings.LIUDONG_CENSUS_MAX_ROWS = 5
    ids = fresh_ids(6)
    submission = run_file(workbook_bytes([row(id_number=i, organization=branch.name) for i in ids]))
    assert submission.state == "rejected"
    assert codes_of(submission) == {"file_too_many_rows"}
    assert not submission.entries.exists()


def test_file_without_data_rows(run_file: Any) -> None:
    submission = run_file(workbook_bytes([]))
    assert submission.state == "rejected"
    assert codes_of(submission) == {"file_no_rows"}


def test_headers_reordered_and_renamed_still_match(run_file: Any, branch: Any) -> None:
    columns = list(reversed(COLUMNS))
    # English headers, reversed order, full-width and spaces around some
    names = []
    for c in columns:
        names.append({"id_number": " 身份证号 ", "name": "Ｎａｍｅ"}.get(c.key, template_header(c)))
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(names)
    values = row(organization=branch.name)
    sheet.append([values.get(c.key) for c in columns])
    out = io.BytesIO()
    workbook.save(out)
    submission = run_file(out.getvalue())
    assert submission.state == "validated", messages_of(submission)
    assert submission.rows_new == 1


def test_missing_required_columns_are_listed(run_file: Any, branch: Any) -> None:
    keep = [c for c in COLUMNS if c.key not in ("reason", "left_on")]
    names = [template_header(c) for c in keep]
    workbook = Workbook()
    workbook.active.append(names)
    workbook.active.append([row(organization=branch.name).get(c.key) for c in keep])
    out = io.BytesIO()
    workbook.save(out)
    submission = run_file(out.getvalue())
    assert submission.state == "rejected"
    assert "流动原因" in submission.message and "外出日期" in submission.message


def test_merged_cells_reject_their_rows(run_file: Any, branch: Any) -> None:
    ids = fresh_ids(3)
    rows = [row(id_number=i, organization=branch.name) for i in ids]

    def merge(sheet: Any) -> None:
        sheet.merge_cells("I3:I4")  # the organization column, rows 3 and 4

    submission = run_file(workbook_bytes(rows, raw=merge))
    assert submission.state == "validated"
    assert submission.rows_new == 1 and submission.rows_rejected == 2
    merged = submission.problems.filter(code="merged_cells")
    assert set(merged.values_list("row_number", flat=True)) == {3, 4}
    assert "I3:I4" in merged.first().message


def _digits_only() -> str:
    """A fresh ID number whose check character is a digit (one ending in X is no number) and
    whose number, once kept as a double, is no valid ID number (1 in 11 would be)."""
    while True:
        good = fresh_ids(1)[0]
        if not good.isdigit():
            continue
        damaged = f"{int(float(good)):018d}"
        if check_character(damaged[:17]) != damaged[17]:
            return good


def test_id_number_stored_as_float_is_explained(run_file: Any, branch: Any) -> None:
    good = _digits_only()
    as_float = float(good)  # what Excel keeps: 15 significant digits
    submission = run_file(workbook_bytes([row(id_number=as_float, organization=branch.name)]))
    problem = submission.problems.get()
    assert problem.code == "id_number_as_number"
    assert problem.column == "公民身份号码" and problem.row_number == 2
    assert "15" in problem.message and "E+17" in problem.message
    assert submission.rows_rejected == 1


def test_id_number_written_as_an_integer_is_lossy_too(run_file: Any, branch: Any) -> None:
    # openpyxl (like Excel) stores an 18-digit integer as a double: the digits are gone.
    good = _digits_only()
    submission = run_file(workbook_bytes([row(id_number=int(good), organization=branch.name)]))
    assert submission.problems.get().code == "id_number_as_number"


def test_full_width_characters_and_stray_spaces(run_file: Any, branch: Any) -> None:
    (good,) = fresh_ids(1)
    wide = "".join(chr(ord(ch) + 0xFEE0) for ch in good)  # full-width digits
    values = row(
        id_number=f"  {wide[:6]} {wide[6:]}\t",
        name=" 王 建国 ",
        ethnicity=" 汉 ",
        phone="１３９ ０００１ ２３４５",
        organization=f"  {branch.name} ",
        reason="务工 ",
    )
    submission = run_file(workbook_bytes([values]))
    assert submission.state == "validated" and submission.rows_new == 1, messages_of(submission)


@pytest.mark.parametrize(
    "left_on", ["2023-03-01", "2023/3/1", "2023年3月1日", "20230301", 44986, 44986.0]
)
def test_dates_as_text_or_excel_serials(run_file: Any, branch: Any, left_on: Any) -> None:
    submission = run_file(workbook_bytes([row(organization=branch.name, left_on=left_on)]))
    assert submission.state == "validated" and submission.rows_new == 1, messages_of(submission)


def test_impossible_date_text(run_file: Any, branch: Any) -> None:
    submission = run_file(workbook_bytes([row(organization=branch.name, left_on="2023-02-30")]))
    problem = submission.problems.get()
    assert problem.column == "外出日期" and problem.code == "date_invalid"


def test_formulas_are_refused_per_cell(run_file: Any, branch: Any) -> None:
    submission = run_file(
        workbook_bytes([row(organization=branch.name, employer='=CONCAT("某","公司")')])
    )
    problem = submission.problems.get()
    assert problem.code == "formula" and problem.column == "工作单位"


def test_second_upload_while_one_runs_is_refused(demo: Any, census_round: Any, branch: Any) -> None:
    content = workbook_bytes([row(organization=branch.name)])
    first = actions.submit_file(
        by=SYSTEM, census_round=census_round, county=demo("620821"), upload=upload(content)
    )
    assert first.state == "queued"  # its job has not run yet
    with pytest.raises(DomainError) as caught:
        actions.submit_file(
            by=SYSTEM, census_round=census_round, county=demo("620821"), upload=upload(content)
        )
    assert caught.value.code == "census_busy"
    # Another county is not held up.
    other = actions.submit_file(
        by=SYSTEM, census_round=census_round, county=demo("620822"), upload=upload(content)
    )
    assert other.pk


def test_a_stale_job_no_longer_blocks(
    demo: Any, census_round: Any, branch: Any, settings: Any
) -> None:
    settings.LIUDONG_CENSUS_STALE_SECONDS = 0
    content = workbook_bytes([row(organization=branch.name)])
    first = actions.submit_file(
        by=SYSTEM, census_round=census_round, county=demo("620821"), upload=upload(content)
    )
    second = actions.submit_file(
        by=SYSTEM, census_round=census_round, county=demo("620821"), upload=upload(content)
    )
    first.refresh_from_db()
    assert (
        first.state == "rejected"
        and "interrupted" in first.message.lower()
        or "中断" in first.message
    )
    assert second.state == "queued"


def test_nothing_is_written_by_a_rejected_file(run_file: Any) -> None:
    before = Member.objects.count()
    run_file(b"PK\x03\x04garbage")
    assert Member.objects.count() == before


def test_the_formula_message_is_in_the_uploaders_language(run_file: Any, branch: Any) -> None:
    from django.utils import translation

    bad = workbook_bytes([row(organization=branch.name, employer='=CONCAT("某","公司")')])
    with translation.override("en"):
        english = run_file(bad).problems.get(code="formula").message
    with translation.override("zh-hans"):
        chinese = run_file(bad).problems.get(code="formula").message
    assert english.startswith("This cell holds a formula")
    assert "公式" in chinese
