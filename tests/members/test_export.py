"""Ledger export to .xlsx: the filtered rows, scoped, masked unless revealed, audited, and
safe to open (no formulas from the data)."""

from __future__ import annotations

import datetime
import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from liudong.accounts.models import CAPABILITIES, Role
from liudong.core.models import AuditEvent
from liudong.members import export
from liudong.members.keys import read_key
from liudong.members.queries import ledger_rows

from .test_ledger_views import Ledger, build_ledger, lingtai_only

URL = "/ledger/export/{}/"


@pytest.fixture
def data(demo: Any) -> Ledger:
    return build_ledger(demo)


def workbook(response: Any) -> Any:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def sheet_rows(response: Any) -> tuple[Any, list[str], list[dict[str, Any]]]:
    book = workbook(response)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, row, strict=False)) for row in sheet.iter_rows(2, values_only=True)]
    return sheet, header, rows


def keys_of(rows: list[dict[str, Any]]) -> set[str]:
    return {r[export.KEY_HEADER] for r in rows}


def expected_keys(user: Any, ledger: str, params: dict[str, str] | None = None) -> set[str]:
    return {export.row_key(f) for f in ledger_rows(user, ledger, params or {})}


def last_export() -> AuditEvent:
    return AuditEvent.objects.filter(kind="export").latest("at", "id")


def test_export_holds_exactly_the_filtered_rows(login: Any, data: Ledger) -> None:
    client = login("jingchuan")
    for ledger, params in [
        ("out_of_province", {}),
        ("out_of_province", {"station": data.station.code}),
        ("out_of_province", {"overdue": "1", "sort": "name"}),
        ("out_of_city", {"county": "620821", "township": "620821002"}),
        ("out_of_county", {"status": "lost"}),
        ("inflow", {"q": "qianqi"}),
    ]:
        _sheet, _header, rows = sheet_rows(client.get(URL.format(ledger), params))
        assert keys_of(rows) == expected_keys(data.county, ledger, params), (ledger, params)
        assert rows, (ledger, params)


def test_export_keeps_the_views_order(login: Any, data: Ledger) -> None:
    params = {"sort": "-name"}
    _sheet, _header, rows = sheet_rows(
        login("jingchuan").get(URL.format("out_of_province"), params)
    )
    wanted = [export.row_key(f) for f in ledger_rows(data.county, "out_of_province", params)]
    assert [r[export.KEY_HEADER] for r in rows] == wanted


def test_export_is_scoped(login: Any, data: Ledger, demo: Any) -> None:
    jingchuan = demo("620821")
    client = login("jingchuan")
    for ledger in ("out_of_province", "out_of_city", "out_of_county", "inflow"):
        _sheet, _header, rows = sheet_rows(client.get(URL.format(ledger)))
        keys = keys_of(rows)
        assert export.row_key(data.lt) not in keys and export.row_key(data.lt_inflow) not in keys
        flows = {f.pk: f for f in ledger_rows(data.city, ledger)}
        for key in keys:
            flow = flows[int(re.match(r"F(\d+)/", key).group(1))]
            assert not lingtai_only(flow, jingchuan), key
    city = sheet_rows(login("city").get(URL.format("out_of_province")))[2]
    assert export.row_key(data.lt) in keys_of(city)


def test_masked_by_default_and_audited(login: Any, data: Ledger) -> None:
    before = AuditEvent.objects.filter(kind="export").count()
    response = login("jingchuan").get(URL.format("out_of_province"), {"q": "zhangsan"})
    _sheet, _header, rows = sheet_rows(response)
    member = data.zhangsan.member
    row = next(r for r in rows if r[export.KEY_HEADER] == export.row_key(data.zhangsan))
    assert row["公民身份号码"] == member.id_number_masked
    assert row["手机号码"] == member.phone_masked
    every_value = " ".join(str(v) for r in rows for v in r.values())
    assert member.id_number not in every_value and member.phone not in every_value
    assert AuditEvent.objects.filter(kind="export").count() == before + 1
    event = last_export()
    assert event.verb == "ledger.export" and event.actor == data.county
    assert "full=no" in event.detail and "q=zhangsan" in event.detail


def test_full_numbers_need_the_right_the_box_and_a_post(login: Any, data: Ledger) -> None:
    client = login("jingchuan")
    member = data.zhangsan.member
    url = URL.format("out_of_province") + "?q=zhangsan"

    def row_of(response: Any) -> dict[str, Any]:
        rows = sheet_rows(response)[2]
        return next(r for r in rows if r[export.KEY_HEADER] == export.row_key(data.zhangsan))

    # Without the box: masked.
    assert row_of(client.post(url))["公民身份号码"] == member.id_number_masked
    # A GET never exports full numbers, box or not.
    assert row_of(client.get(url + "&full=1"))["公民身份号码"] == member.id_number_masked
    # POST with the box and the reveal right: full, and the audit row says so.
    row = row_of(client.post(url, {"full": "1"}))
    assert row["公民身份号码"] == member.id_number and row["手机号码"] == member.phone
    event = last_export()
    assert event.kind == "export" and "full=yes" in event.detail and event.actor == data.county
    assert member.id_number not in event.detail + str(event.changes)


def test_no_full_numbers_without_the_reveal_right(
    login: Any, data: Ledger, monkeypatch: Any
) -> None:
    monkeypatch.setitem(CAPABILITIES, Role.STATION_STAFF, set())
    client = login("station05")
    member = data.zhangsan.member
    response = client.post(URL.format("out_of_province"), {"full": "1"})
    rows = sheet_rows(response)[2]
    row = next(r for r in rows if r[export.KEY_HEADER] == export.row_key(data.zhangsan))
    assert row["公民身份号码"] == member.id_number_masked
    assert "full=no" in last_export().detail and "refused" in last_export().detail
    page = client.get("/ledger/out-of-province/").content.decode()
    assert 'name="full"' not in page  # the box is not even offered


def test_formula_like_text_comes_back_as_text(login: Any, data: Ledger) -> None:
    response = login("jingchuan").get(URL.format("out_of_province"), {"q": "=1+2"})
    book = workbook(response)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    found = False
    for row in sheet.iter_rows(min_row=2):
        cells = dict(zip(header, row, strict=False))
        if cells[export.KEY_HEADER].value != export.row_key(data.formula):
            continue
        found = True
        for title, text in (("姓名", "=1+2"), ("工作单位", "@SUM(A1)"), ("详细地址", "-2+3 路")):
            cell = cells[title]
            assert cell.value == text, title
            assert cell.data_type == "s", (title, cell.data_type)  # not "f": no formula
            assert cell.quotePrefix, title  # Excel keeps it text even when edited
    assert found


def test_formula_cells_in_the_raw_file_are_strings(data: Ledger) -> None:
    """Whatever a reader does, the sheet XML holds no <f> element for the data."""
    import zipfile

    result = export.export_ledger(data.county, "out_of_province", {"q": "=1+2"})
    with zipfile.ZipFile(result.file) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    assert "=1+2" in xml and "@SUM(A1)" in xml
    result.file.close()


def test_sheet_format_key_headers_dates_frozen_widths(login: Any, data: Ledger) -> None:
    response = login("jingchuan").get(URL.format("out_of_province"))
    sheet, header, rows = sheet_rows(response)
    assert header[0] == export.KEY_HEADER == "记录键"
    assert {"姓名", "公民身份号码", "手机号码", "流入地", "外出日期", "状态"} <= set(header)
    assert sheet.column_dimensions["A"].hidden is True
    assert all(re.fullmatch(r"F\d+/M\d+:[\w-]+", r[export.KEY_HEADER]) for r in rows)
    assert sheet.freeze_panes == "C2"
    assert sheet.column_dimensions["D"].width >= 20  # the ID number fits
    row = next(r for r in rows if r[export.KEY_HEADER] == export.row_key(data.zhaoliu))
    assert isinstance(row["外出日期"], datetime.datetime)
    assert row["外出日期"].date() == datetime.date(2023, 5, 1)
    assert row["联系逾期"] == "是"
    date_col = header.index("外出日期") + 1
    assert sheet.cell(row=2, column=date_col).number_format == "yyyy-mm-dd"
    assert sheet.cell(row=2, column=date_col).is_date


def test_key_column_names_flow_and_member(data: Ledger) -> None:
    flow = data.zhangsan
    # Signed (issue 12, item 9): the census reads back exactly the record it names.
    assert read_key(export.row_key(flow)) == (flow.pk, flow.member_id)
    assert export.row_key(flow).startswith(f"F{flow.pk}/M{flow.member_id}:")


def test_too_many_rows_are_refused_with_a_message(login: Any, data: Ledger, settings: Any) -> None:
    settings.LIUDONG_EXPORT_MAX_ROWS = 1
    before = AuditEvent.objects.filter(kind="export").count()
    response = login("jingchuan").get(URL.format("out_of_province"), {"province": "610000"})
    assert response.status_code == 302
    assert response["Location"].startswith("/ledger/out-of-province/?province=610000")
    assert AuditEvent.objects.filter(kind="export").count() == before


def test_out_of_scope_filter_exports_nothing(login: Any, data: Ledger) -> None:
    response = login("jingchuan").get(URL.format("out_of_province"), {"county": "620822"})
    assert response.status_code == 302  # back to the ledger with the message


def test_members_may_not_export(login: Any) -> None:
    assert login("member_jc").post(URL.format("inflow"), {"full": "1"}).status_code == 403
