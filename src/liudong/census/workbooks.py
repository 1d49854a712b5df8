"""The census workbooks: the county's template, the error workbook (the uploaded file with
problem cells marked) and the round's results in the template's layout."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from liudong.census import files, formats, reader
from liudong.census.checker import FileContext
from liudong.census.columns import (
    COLUMNS,
    DATA_SHEET,
    EXAMPLE_SHEET,
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    PROBLEMS_HEADER,
    choice_values,
    column_letter,
    template_header,
)
from liudong.codes import queries as codes
from liudong.core import xlsx
from liudong.members.models import FlowRecord, Member
from liudong.orgs.models import Organization

TEMPLATE_ROWS = 5000  # rows the drop-downs and text formats cover
HEADER_FILL = PatternFill("solid", fgColor="C8161D")
REQUIRED_FONT = Font(bold=True, color="FFFFFF")
OPTIONAL_FONT = Font(bold=False, color="FFFFFF")
PROBLEM_FILL = PatternFill("solid", fgColor="FFC7CE")
PROBLEM_ROW_FILL = PatternFill("solid", fgColor="FFF2CC")
ERROR_WORKBOOK_MAX_ROWS = 50_000  # above this, a list of problems instead of the file


def _header_row(sheet: Any) -> None:
    for index, column in enumerate(COLUMNS):
        cell = xlsx.write(sheet, 1, index + 1, template_header(column))
        cell.fill = HEADER_FILL
        cell.font = REQUIRED_FONT if column.required else OPTIONAL_FONT
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 30


def _lists(ctx: FileContext) -> dict[str, list[str]]:
    with translation.override("zh-hans"):
        lists = {
            "sex": [label for code, label in codes.choices("sex") if code in ("1", "2")],
            "ethnicity": [label for _code, label in codes.choices("ethnicity")],
            "education": [label for _code, label in codes.choices("education")],
            "reason": [label for _code, label in codes.choices("flow_reason")],
        }
    for key in ("direction", "flow_scope", "status", "keep_contact"):
        lists[key] = [label for _value, label in choice_values(key)]
    lists["organization"] = ctx.organization_names or [ctx.county.name]
    if ctx.station_names:
        lists["station"] = ctx.station_names
    return lists


def template(county: Organization) -> bytes:
    """The county's template: data sheet with drop-downs, examples, instructions, lists."""
    ctx = FileContext(county)
    workbook = xlsx.workbook()
    data = workbook.active
    data.title = DATA_SHEET
    _header_row(data)
    lists_sheet = workbook.create_sheet(LISTS_SHEET)
    lists = _lists(ctx)
    for index, (key, values) in enumerate(lists.items()):
        letter = get_column_letter(index + 1)
        xlsx.write(lists_sheet, 1, index + 1, key)
        for row, value in enumerate(values, start=2):
            xlsx.write(lists_sheet, row, index + 1, value)
        target = next(i for i, c in enumerate(COLUMNS) if c.key == key)
        rule = DataValidation(
            type="list",
            formula1=f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="请从下拉列表选择",
            error="此处请从下拉列表中选择。",
        )
        column = column_letter(target)
        rule.add(f"{column}2:{column}{TEMPLATE_ROWS}")
        data.add_data_validation(rule)
    lists_sheet.sheet_state = "hidden"
    # ID numbers and phones as text, so Excel keeps all 18 digits; dates as dates. Set on
    # the columns, not on thousands of empty cells (rows appended below start at row 2).
    for index, column in enumerate(COLUMNS):
        if column.key in ("id_number", "phone"):
            data.column_dimensions[column_letter(index)].number_format = "@"
        elif column.kind == "date":
            data.column_dimensions[column_letter(index)].number_format = "yyyy-mm-dd"
    _examples(workbook.create_sheet(EXAMPLE_SHEET), ctx)
    _instructions(workbook.create_sheet(INSTRUCTIONS_SHEET, 0), county)
    workbook.active = 1
    return xlsx.save(workbook)


def _examples(sheet: Any, ctx: FileContext) -> None:
    _header_row(sheet)
    org = ctx.organization_names[0] if ctx.organization_names else ctx.county.name
    rows = [
        {
            "name": "张明",
            "id_number": "620821199003151237",
            "sex": "男",
            "ethnicity": "汉族",
            "phone": "13800001111",
            "education": "大学本科",
            "joined_on": datetime.date(2015, 7, 1),
            "direction": "流出",
            "organization": org,
            "destination": "陕西省西安市雁塔区",
            "destination_address": "雁塔区长安南路88号",
            "employer": "西安某科技有限公司",
            "reason": "务工经商",
            "left_on": datetime.date(2022, 3, 1),
            "status": "已纳管",
        },
        {
            "name": "马丽",
            "id_number": "62082119881102002X",
            "sex": "女",
            "ethnicity": "回族",
            "direction": "流出",
            "organization": org,
            "destination": "兰州市城关区",
            "employer": "兰州某商贸公司",
            "reason": "务工经商",
            "left_on": "2023-05-10",
        },
        {
            "name": "李强",
            "id_number": "621102199201150415",
            "ethnicity": "汉族",
            "direction": "流入",
            "organization": org,
            "home_organization_name": "中共定西市安定区某村支部委员会",
            "origin": "甘肃省定西市安定区",
            "reason": "务工经商",
            "left_on": "2021年9月1日",
        },
    ]
    for row_number, values in enumerate(rows, start=2):
        for index, column in enumerate(COLUMNS):
            value = values.get(column.key)
            if value is not None:
                xlsx.write(sheet, row_number, index + 1, value)


def _instructions(sheet: Any, county: Organization) -> None:
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 90
    lines = [
        ("流动党员摸排登记表", f"{county.name} · 模板生成于 {datetime.date.today().isoformat()}"),
        (
            "填写位置",
            f"在“{DATA_SHEET}”工作表第 2 行起逐行填写，一人一行；"
            f"“{EXAMPLE_SHEET}”仅供参考，不会导入。",
        ),
        ("必填列", "表头带 * 的列必须填写。请勿改动表头文字；列的顺序可以调整。"),
        (
            "公民身份号码",
            "18 位，该列已设为文本格式。请勿以数字格式粘贴，否则 Excel 只保留 15 位。",
        ),
        ("日期", "如 2023-05-01，也可写 2023/5/1 或 2023年5月1日。"),
        (
            "下拉列",
            "性别、民族、学历、流动类型、所在党组织、流动原因、流动范围、管理状态请从下拉列表选择。",
        ),
        (
            "流出党员",
            "所在党组织填组织关系所在支部；流入地填现居住的县（区），如“陕西省西安市雁塔区”。",
        ),
        ("流入党员", "所在党组织填接收的支部；另填外地组织关系所在党组织和流出地。"),
        ("请勿", "合并单元格、使用公式、设置密码。"),
        ("导入", "上传后系统先检查（不写入），确认无误后再提交，提交时整批写入或全部不写入。"),
        ("问题文件", "检查发现问题时，可下载标注了问题单元格的原文件，修改后重新上传。"),
    ]
    for row, (title, text) in enumerate(lines, start=1):
        xlsx.write(sheet, row, 1, title).font = Font(bold=True)
        xlsx.write(sheet, row, 2, text).alignment = Alignment(wrap_text=True)
    sheet["A1"].font = Font(bold=True, size=14, color="C8161D")
    row = len(lines) + 2
    xlsx.write(sheet, row, 1, "列").font = Font(bold=True)
    xlsx.write(sheet, row, 2, "说明").font = Font(bold=True)
    with translation.override("zh-hans"):
        for offset, column in enumerate(COLUMNS, start=1):
            xlsx.write(sheet, row + offset, 1, template_header(column))
            xlsx.write(sheet, row + offset, 2, str(column.help or ""))


# --- the error workbook -----------------------------------------------------------------------


def error_workbook(submission: Any) -> bytes:
    """The uploaded file back, problem cells filled red with a comment each, a problems
    column at the end; for a very long file, the list of problems instead."""
    problems = list(
        submission.problems.order_by("row_number", "id").values_list(
            "row_number", "column_letter", "column", "message"
        )
    )
    claimed = list(
        submission.entries.filter(outcome="conflict")
        .order_by("row_number")
        .values_list("row_number", flat=True)
    )
    with translation.override(submission.language):
        claimed_message = _(
            "Claimed elsewhere: this person is already in another organization's ledger or "
            "in another county's file of this round. The row is not written; the city decides."
        )
    id_column = next(c for c in COLUMNS if c.key == "id_number")
    if submission.rows_total > ERROR_WORKBOOK_MAX_ROWS or not submission.stored_file:
        claims = [(row, "", id_column.header, claimed_message) for row in claimed]
        return problem_list(submission, sorted(problems + claims, key=lambda p: p[0] or 0))
    by_row: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for row, letter, column, message in problems:
        if row:
            by_row[row].append((letter, column, message))
    suffix = reader.suffix_for(submission.file_name)
    with files.decrypted_copy(submission.stored_file, suffix=suffix) as path:
        if suffix == f".{formats.XLSX}":
            files.check_zip(path)  # never inflate a zip bomb, whatever the submission's state
            try:
                workbook = xlsx.edit(path)
            except Exception as exc:  # read errors of every kind: the file is damaged
                raise files.damaged() from exc
        else:
            workbook = _as_xlsx(path, suffix[1:])
    sheet = workbook[DATA_SHEET] if DATA_SHEET in workbook.sheetnames else workbook.worksheets[0]
    # Drop the problems column of an earlier error workbook, then add it afresh.
    last = sheet.max_column
    header_row = _find_header_row(sheet)
    # People claimed elsewhere: their ID number cell marked like a problem.
    id_letter = _column_letter_of(sheet, header_row, "id_number")
    for row in claimed:
        by_row[row].append((id_letter, id_column.header, claimed_message))
    for col in range(1, last + 1):
        if sheet.cell(row=header_row, column=col).value == PROBLEMS_HEADER:
            sheet.delete_cols(col)
            last = sheet.max_column
            break
    target = last + 1
    head = xlsx.write(sheet, header_row, target, PROBLEMS_HEADER)
    head.fill, head.font = HEADER_FILL, REQUIRED_FONT
    sheet.column_dimensions[get_column_letter(target)].width = 60
    for row, items in by_row.items():
        for letter, column, message in items:
            cell = sheet[f"{letter or 'A'}{row}"]
            cell.fill = PROBLEM_FILL if letter else PROBLEM_ROW_FILL
            text = f"{column}：{message}" if column else message
            if cell.comment is not None and cell.comment.author == "liudong":
                text = f"{cell.comment.text}\n{text}"
            comment = Comment(text, "liudong")
            comment.width, comment.height = 300, 120
            cell.comment = comment
        summary = "；".join(f"{c or '—'}：{m}" for _l, c, m in items)
        note = xlsx.write(sheet, row, target, summary)
        note.alignment = Alignment(wrap_text=True)
        note.fill = PROBLEM_ROW_FILL
    return xlsx.save(workbook)


def _as_xlsx(path: Any, kind: str) -> Any:
    """An .xls or .ods upload as a new .xlsx holding its data sheet's values, cell for cell
    (formula cells hold their last values), for the same marks as an .xlsx upload gets."""
    facts = reader.first_pass(path, kind)  # the container checks, again
    try:
        book = reader._open_workbook(path)
    except Exception as exc:  # calamine's errors of every kind: the file is damaged
        raise files.damaged() from exc
    try:
        source = book.get_sheet_by_name(facts.sheet)
        offset = source.start[1] if source.start else 0
        workbook = xlsx.workbook()
        sheet = workbook.active
        sheet.title = facts.sheet[:31] or DATA_SHEET
        for number, values in enumerate(source.iter_rows(), start=1):
            for index, value in enumerate(values):
                if value != "":
                    xlsx.write(sheet, number, offset + index + 1, value)
    except Exception as exc:
        raise files.damaged() from exc
    finally:
        book.close()
    return workbook


def _column_letter_of(sheet: Any, header_row: int, key: str) -> str:
    """The letter of a column in the uploaded sheet (counties reorder columns)."""
    from liudong.census.columns import fold, header_lookup

    lookup = header_lookup()
    for cell in sheet[header_row]:
        if lookup.get(fold(cell.value)) == key:
            return get_column_letter(cell.column)
    return ""


def _find_header_row(sheet: Any) -> int:
    from liudong.census.columns import fold, header_lookup

    lookup = header_lookup()
    best, best_row = 0, 1
    for row in range(1, 11):
        hits = sum(1 for cell in sheet[row] if fold(cell.value) in lookup)
        if hits > best:
            best, best_row = hits, row
    return best_row


def problem_list(submission: Any, problems: Iterable[tuple[Any, ...]]) -> bytes:
    workbook = xlsx.workbook(write_only=True)
    sheet = workbook.create_sheet(_("Problems")[:31])
    sheet.append(xlsx.row(sheet, [_("Row"), _("Column"), _("Column"), _("Problem")]))
    for row, letter, column, message in problems:
        sheet.append(xlsx.row(sheet, [row, letter, column, message]))
    return xlsx.save(workbook)


# --- the round's results ----------------------------------------------------------------------


def results(census_round: Any, county: Organization, *, reveal: bool) -> bytes:
    """The members a county's committed files found in the round, in the template's layout
    (so a corrected export can be uploaded again as updates). ``reveal``: full ID numbers
    (the caller audits it); otherwise masked."""
    from liudong.census.models import CensusEntry, SubmissionState

    indexes = (
        CensusEntry.objects.filter(
            submission__round=census_round,
            submission__county=county,
            submission__state=SubmissionState.COMMITTED,
        )
        .exclude(outcome="conflict")
        .values("id_number_index")
    )
    members = (
        Member.objects.filter(id_number_index__in=indexes)
        .select_related("home_organization", "inflow_organization", "home_place")
        .order_by("name", "id")
    )
    if not reveal:
        members = members.defer("id_number", "phone")
    workbook = xlsx.workbook(write_only=True)
    sheet = workbook.create_sheet(DATA_SHEET)
    sheet.append(xlsx.row(sheet, [template_header(c) for c in COLUMNS]))
    with translation.override("zh-hans"):
        labels = {
            key: dict(codes.choices(table, include_inactive=True))
            for key, table in (
                ("sex", "sex"),
                ("ethnicity", "ethnicity"),
                ("education", "education"),
                ("reason", "flow_reason"),
            )
        }
        choice = {
            key: dict(choice_values(key))
            for key in ("direction", "flow_scope", "status", "keep_contact")
        }
    for chunk in _chunks(members.iterator(chunk_size=2000), 2000):
        flows = {
            f.member_id: f
            for f in FlowRecord.objects.filter(
                member_id__in=[m.pk for m in chunk], is_open=True
            ).select_related("origin_place", "destination_place")
        }
        for member in chunk:
            values = _result_row(member, flows.get(member.pk), labels, choice, reveal)
            sheet.append(xlsx.row(sheet, values))
    return xlsx.save(workbook)


def _chunks(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _result_row(
    member: Member, flow: FlowRecord | None, labels: Any, choice: Any, reveal: bool
) -> list[Any]:
    values: dict[str, Any] = {
        "name": member.name,
        "id_number": member.id_number if reveal else member.id_number_masked,
        "sex": labels["sex"].get(member.sex, member.sex),
        "ethnicity": labels["ethnicity"].get(member.ethnicity, member.ethnicity),
        "phone": member.phone if reveal else member.phone_masked,
        "education": labels["education"].get(member.education, ""),
        "joined_on": member.joined_on,
        "home_organization_name": member.home_organization_name,
    }
    if flow is not None:
        org = flow.home_organization if flow.direction == "outflow" else flow.inflow_organization
        org = org or member.home_organization or member.inflow_organization
        values |= {
            "direction": choice["direction"].get(flow.direction),
            "organization": org.name if org else "",
            "origin": flow.origin_place.full_name if flow.origin_place_id else "",
            "destination": flow.destination_place.full_name,
            "destination_address": flow.destination_address,
            "employer": flow.employer,
            "reason": labels["reason"].get(flow.reason, flow.reason),
            "left_on": flow.left_on,
            "expected_return_on": flow.expected_return_on,
            "flow_scope": choice["flow_scope"].get(flow.flow_scope),
            "status": choice["status"].get(flow.status, ""),
            # before departure (issue 12 item 6)
            "briefed_on": flow.briefed_on,
            "briefed_by": flow.briefed_by,
            "briefing_notes": flow.briefing_notes,
            "certificate_number": flow.certificate_number,
            "keep_contact": choice["keep_contact"].get(flow.keep_contact, ""),
            "keep_contact_detail": flow.keep_contact_detail,
        }
    return [values.get(c.key) for c in COLUMNS]
