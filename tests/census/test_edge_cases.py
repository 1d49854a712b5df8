"""Census edge cases of issue 10 (items 9–13): command-line imports on the pages, refused
files without an error workbook, damaged files, early and precise refusals, one claim per
person and round."""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from openpyxl.styles import PatternFill

from liudong.census import actions, files, importer
from liudong.census.models import CensusConflict, CensusSubmission
from liudong.core import crypto
from liudong.core.scope import SYSTEM
from liudong.members.idnumber import check_character

from .conftest import fresh_ids, read_back, row, workbook_bytes


def jingchuan() -> Any:
    from liudong.accounts.models import User

    return User.objects.get(username="jingchuan")


def english(client: Any) -> Any:
    client.cookies["liudong_language"] = "en"
    return client


def rewritten(content: bytes, part: str, change: Callable[[zipfile.ZipInfo], None]) -> bytes:
    """The workbook zipped again, ``change`` applied to one part's directory entry (its
    checksum, its declared size): the data are intact, the zip's word about them is not."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        for info in target.filelist:
            if info.filename == part:
                change(info)
    return out.getvalue()


def bad_crc(info: zipfile.ZipInfo) -> None:
    info.CRC ^= 0xFFFF


def lying_size(info: zipfile.ZipInfo) -> None:
    info.file_size //= 2  # says it unpacks to half what it does


def ods() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def bomb(good: bytes, padding: int) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(good)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr("xl/media/padding.bin", b"\x00" * padding)
    return out.getvalue()


# --- 9: a command-line import on the pages ----------------------------------------------------


def test_a_command_line_import_shows_on_the_round_and_submission_pages(
    login: Any, census_round: Any, branch: Any, tmp_path: Path
) -> None:
    path = tmp_path / "cli.xlsx"
    path.write_bytes(workbook_bytes([row(organization=branch.name)]))
    call_command(
        "census",
        "import",
        str(path),
        "--round",
        census_round.name,
        "--county",
        "620821",
        stdout=io.StringIO(),
    )
    submission = CensusSubmission.objects.get(round=census_round)
    assert submission.uploaded_by is None and submission.uploaded_via == "command_line"
    city = english(login("city"))
    progress = city.get(f"/census/rounds/{census_round.pk}/")
    assert progress.status_code == 200
    assert "command line" in progress.content.decode()
    page = city.get(f"/census/submissions/{submission.pk}/")
    assert page.status_code == 200
    assert "Uploaded by command line" in page.content.decode()


# --- 10: no error workbook for a refused file -----------------------------------------------


@pytest.mark.parametrize("kind", ["ods", "bad_crc", "bomb"])
def test_a_refused_file_has_no_error_workbook(
    kind: str, run_file: Any, login: Any, branch: Any, settings: Any, monkeypatch: Any
) -> None:
    settings.LIUDONG_CENSUS_MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024
    good = workbook_bytes([row(organization=branch.name)])
    content = {
        "ods": ods,
        "bad_crc": lambda: rewritten(good, "xl/worksheets/sheet1.xml", bad_crc),
        "bomb": lambda: bomb(good, 8 * 1024 * 1024),
    }[kind]()
    submission = run_file(content, by=jingchuan(), name=f"c.{'ods' if kind == 'ods' else 'xlsx'}")
    assert submission.state == "rejected"
    client = english(login("jingchuan"))
    page = client.get(f"/census/submissions/{submission.pk}/").content.decode()
    assert 'id="error-workbook"' not in page

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the refused file was read again")

    monkeypatch.setattr(files, "decrypted_copy", refuse)
    response = client.get(f"/census/submissions/{submission.pk}/errors.xlsx", follow=True)
    assert response.redirect_chain == [(f"/census/submissions/{submission.pk}/", 302)]
    assert "refused before its rows were checked" in response.content.decode()


def test_a_checked_file_still_has_its_error_workbook(
    run_file: Any, login: Any, branch: Any
) -> None:
    submission = run_file(
        workbook_bytes([row(organization=branch.name, reason="去火星")]), by=jingchuan()
    )
    assert submission.state == "validated" and submission.problem_count == 1
    client = login("jingchuan")
    assert (
        'id="error-workbook"'
        in client.get(f"/census/submissions/{submission.pk}/").content.decode()
    )
    response = client.get(f"/census/submissions/{submission.pk}/errors.xlsx")
    assert response.status_code == 200


# --- 11: damaged sheets ---------------------------------------------------------------------


@pytest.mark.parametrize("change", [bad_crc, lying_size], ids=["bad_crc", "lying_size"])
def test_a_damaged_sheet_is_named_damaged_with_how_to_fix_it(
    change: Any, run_file: Any, branch: Any, caplog: Any
) -> None:
    good = workbook_bytes([row(organization=branch.name)])
    caplog.set_level(logging.ERROR)
    with translation.override("en"):
        submission = run_file(rewritten(good, "xl/worksheets/sheet1.xml", change))
    assert submission.state == "rejected"
    assert submission.problems.get().code == "file_damaged"
    assert "damaged" in submission.message and "save it again" in submission.message
    assert "WPS" in submission.message
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --- 12: early and precise refusals -------------------------------------------------------------


def test_too_many_rows_are_refused_before_any_row_is_checked(
    run_file: Any, settings: Any, branch: Any, monkeypatch: Any
) -> None:
    settings.LIUDONG_CENSUS_MAX_ROWS = 5
    checked = []
    real = importer.check_row

    def counting(*args: Any, **kwargs: Any) -> Any:
        checked.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "check_row", counting)
    ids = fresh_ids(6)
    submission = run_file(workbook_bytes([row(id_number=i, organization=branch.name) for i in ids]))
    assert submission.state == "rejected"
    assert submission.problems.get().code == "file_too_many_rows"
    assert checked == []


def test_far_too_many_rows_are_refused_before_calamine_opens_the_file(
    run_file: Any, settings: Any, branch: Any, monkeypatch: Any
) -> None:
    from liudong.census import reader

    settings.LIUDONG_CENSUS_MAX_ROWS = 5

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("calamine opened the file")

    monkeypatch.setattr(reader, "_open_workbook", refuse)
    ids = fresh_ids(16)  # over the limit whatever the header row (at most row 10)
    submission = run_file(workbook_bytes([row(id_number=i, organization=branch.name) for i in ids]))
    assert submission.problems.get().code == "file_too_many_rows"


def test_rows_without_values_do_not_count_against_the_limit(
    run_file: Any, settings: Any, branch: Any
) -> None:
    settings.LIUDONG_CENSUS_MAX_ROWS = 5
    ids = fresh_ids(5)

    def formatted_empty_rows(sheet: Any) -> None:
        for number in range(7, 40):  # styled, never filled: Excel writes such rows
            sheet.cell(row=number, column=1).fill = PatternFill("solid", fgColor="FFFF00")

    content = workbook_bytes(
        [row(id_number=i, organization=branch.name) for i in ids], raw=formatted_empty_rows
    )
    submission = run_file(content)
    assert submission.state == "validated", submission.message
    assert submission.rows_new == 5


def test_a_ratio_bomb_is_told_the_ratio_rule(run_file: Any, branch: Any) -> None:
    good = workbook_bytes([row(organization=branch.name)])
    with translation.override("en"):
        submission = run_file(bomb(good, 11 * 1024 * 1024))  # over 10 MB, ~1000 times
    assert submission.state == "rejected"
    assert submission.problems.get().code == "file_packed_too_tightly"
    assert "times" in submission.message and "500 MB" not in submission.message


def test_an_oversized_workbook_is_told_the_size_rule(
    run_file: Any, branch: Any, settings: Any
) -> None:
    settings.LIUDONG_CENSUS_MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024
    good = workbook_bytes([row(organization=branch.name)])
    with translation.override("en"):
        submission = run_file(bomb(good, 3 * 1024 * 1024))
    assert submission.problems.get().code == "file_too_big_unpacked"
    assert "more than the 2 MB allowed" in submission.message


def test_a_long_name_is_told_the_ledgers_limit(run_file: Any, branch: Any) -> None:
    with translation.override("en"):
        submission = run_file(workbook_bytes([row(organization=branch.name, name="王" * 500)]))
    problem = submission.problems.get()
    assert problem.column == "姓名" and problem.code == "text_too_long"
    assert "40" in problem.message and "200" not in problem.message


def test_a_name_of_41_characters_is_refused_and_40_accepted(run_file: Any, branch: Any) -> None:
    ids = fresh_ids(2)
    rows = [
        row(id_number=ids[0], organization=branch.name, name="王" * 40),
        row(id_number=ids[1], organization=branch.name, name="王" * 41),
    ]
    submission = run_file(workbook_bytes(rows))
    assert submission.rows_new == 1
    assert submission.problems.get().row_number == 3


def _old_number() -> str:
    return "620821900315123"  # 15 digits: place, birth 900315 (yymmdd), sequence


@pytest.mark.parametrize("as_number", [False, True], ids=["text", "number"])
def test_an_old_15_digit_id_number_is_named_as_such(
    as_number: bool, run_file: Any, branch: Any
) -> None:
    value: Any = int(_old_number()) if as_number else _old_number()
    with translation.override("en"):
        submission = run_file(workbook_bytes([row(organization=branch.name, id_number=value)]))
    problem = submission.problems.get()
    assert problem.code == "id_number_old", problem.message
    assert "old 15-digit" in problem.message


def test_an_id_number_stored_as_a_number_shows_what_excel_kept(run_file: Any, branch: Any) -> None:
    first17 = "62082119900315123"
    good = first17 + check_character(first17)
    with translation.override("en"):
        submission = run_file(
            workbook_bytes([row(organization=branch.name, id_number=float(good))])
        )
    message = submission.problems.get().message
    kept = crypto.mask_id_number(good[:15] + "000")
    assert kept in message and "E+17" in message
    assert good not in message and good[:15] not in message


def test_the_command_line_is_not_sent_to_a_page(census_round: Any, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("姓名,公民身份号码\n张三,1\n")
    for language in ("en", "zh-hans"):
        with translation.override(language), pytest.raises(CommandError) as caught:
            call_command(
                "census", "import", str(path), "--round", census_round.name, "--county", "620821"
            )
        text = str(caught.value)
        assert ".xlsx" in text
        assert "page" not in text and "本页" not in text


# --- 13: one claim per person and round; claims marked in the error workbook ---------------


def _claimed_elsewhere(demo: Any) -> Any:
    """A member of 灵台 (620822), whom a 泾川 (620821) file then claims."""
    from liudong.members.models import Member

    return (
        Member.objects.filter(home_organization__path__startswith=demo("620822").path)
        .order_by("id")
        .first()
    )


def test_re_uploads_keep_one_claim_per_person_and_round(
    demo: Any, run_file: Any, branch: Any
) -> None:
    member = _claimed_elsewhere(demo)
    (other,) = fresh_ids(1)
    claimed = row(organization=branch.name, id_number=member.id_number, name=member.name)
    first = run_file(workbook_bytes([claimed, row(id_number=other, organization=branch.name)]))
    assert first.state == "validated" and first.rows_conflict == 1
    # The same file again, the person now in row 3: the entry moves, it is not copied.
    second = run_file(workbook_bytes([row(id_number=other, organization=branch.name), claimed]))
    third = run_file(workbook_bytes([row(id_number=other, organization=branch.name), claimed]))
    first.refresh_from_db()
    assert first.state == "superseded"
    entries = CensusConflict.objects.filter(
        submission__round=first.round, id_number_index=member.id_number_index
    )
    assert entries.count() == 1
    entry = entries.get()
    assert entry.submission_id == third.pk and entry.row_number == 3
    assert second.pk != third.pk


def test_a_superseded_files_claims_leave_the_list(demo: Any, run_file: Any, branch: Any) -> None:
    member = _claimed_elsewhere(demo)
    claimed = row(organization=branch.name, id_number=member.id_number, name=member.name)
    first = run_file(workbook_bytes([claimed]))
    assert CensusConflict.objects.filter(submission=first).count() == 1
    (other,) = fresh_ids(1)
    second = run_file(workbook_bytes([row(id_number=other, organization=branch.name)]))
    assert second.state == "validated"
    assert not CensusConflict.objects.filter(
        submission__round=first.round, id_number_index=member.id_number_index
    ).exists()


def test_a_decided_claim_keeps_its_decision(demo: Any, run_file: Any, branch: Any) -> None:
    member = _claimed_elsewhere(demo)
    claimed = row(organization=branch.name, id_number=member.id_number, name=member.name)
    first = run_file(workbook_bytes([claimed]))
    conflict = CensusConflict.objects.get(submission=first)
    actions.resolve_conflict(by=SYSTEM, conflict=conflict, accept=False, note="stays")
    again = run_file(workbook_bytes([claimed]))
    assert again.rows_conflict == 1
    conflict.refresh_from_db()
    assert conflict.state == "dismissed" and conflict.submission_id == first.pk
    assert CensusConflict.objects.filter(id_number_index=member.id_number_index).count() == 1


def test_the_unique_claim_is_a_database_constraint(demo: Any, run_file: Any, branch: Any) -> None:
    from django.db import IntegrityError, transaction

    member = _claimed_elsewhere(demo)
    first = run_file(workbook_bytes([row(organization=branch.name, id_number=member.id_number)]))
    conflict = CensusConflict.objects.get(submission=first)
    conflict.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        conflict.save()


def test_people_claimed_elsewhere_are_marked_in_the_error_workbook(
    demo: Any, run_file: Any, branch: Any, login: Any
) -> None:
    member = _claimed_elsewhere(demo)
    (other,) = fresh_ids(1)
    rows = [
        row(id_number=other, organization=branch.name),
        row(organization=branch.name, id_number=member.id_number, name=member.name),
    ]
    with translation.override("en"):
        submission = run_file(workbook_bytes(rows), by=jingchuan())
    assert submission.rows_conflict == 1 and submission.problem_count == 0
    client = login("jingchuan")
    page = client.get(f"/census/submissions/{submission.pk}/").content.decode()
    assert 'id="error-workbook"' in page
    response = client.get(f"/census/submissions/{submission.pk}/errors.xlsx")
    assert response.status_code == 200
    sheet = read_back(response.content)["摸排数据"]
    cell = sheet["B3"]  # the ID number column, the claimed person's row
    assert cell.comment is not None and "Claimed elsewhere" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet["B2"].comment is None


def test_the_city_list_shows_each_claim_once_in_the_browser(
    demo: Any, run_file: Any, branch: Any, login: Any
) -> None:
    member = _claimed_elsewhere(demo)
    claimed = row(organization=branch.name, id_number=member.id_number, name=member.name)
    for _ in range(3):
        run_file(workbook_bytes([claimed]))
    listing = login("city").get("/census/conflicts/").content.decode()
    assert listing.count(member.id_number_masked) == 1


@pytest.mark.parametrize("chunk,long_row", [(1024 * 1024, 4 * 1024 * 1024), (37, 100)])
def test_the_row_scan_counts_what_the_reader_reads(
    chunk: int, long_row: int, monkeypatch: Any, tmp_path: Path
) -> None:
    """Cut into tiny blocks (tags and rows split across them, long rows judged early), the
    byte scan still finds each row holding a value, and only those."""
    monkeypatch.setattr(files, "CHUNK", chunk)
    monkeypatch.setattr(files, "LONG_ROW", long_row)
    ids = fresh_ids(12)

    def shape(sheet: Any) -> None:
        sheet.insert_rows(1)  # a title row above the header
        sheet["A1"] = "泾川县流动党员摸排表"
        sheet.cell(row=9, column=3).value = None
        for number in range(20, 30):  # formatted, never filled
            sheet.cell(row=number, column=2).fill = PatternFill("solid", fgColor="FFFF00")
        sheet.merge_cells("D5:D6")

    path = tmp_path / "c.xlsx"
    path.write_bytes(workbook_bytes([row(id_number=i) for i in ids], raw=shape))
    found = files.check_zip(path)
    assert found.parts == {"摸排数据": "xl/worksheets/sheet1.xml"}
    facts = found.sheets["xl/worksheets/sheet1.xml"]
    assert facts.rows_with_values == 14  # title, header, 12 rows
    assert facts.rows_below(2) == 12
    assert facts.merged == ["D5:D6"]
