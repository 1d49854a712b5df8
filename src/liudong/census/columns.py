"""The census workbook's columns: one definition for the template, the importer, the error
workbook and the export, so the template a county downloads is the one the importer reads."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liudong.members.models import Direction, FlowScope, FlowStatus, KeepContact

DATA_SHEET = "摸排数据"
EXAMPLE_SHEET = "填写示例"
INSTRUCTIONS_SHEET = "填写说明"
LISTS_SHEET = "代码表"
PROBLEMS_HEADER = "问题说明"  # added by the error workbook; the importer ignores it
IGNORED_HEADERS = {"序号", "no", "no.", "#", "问题说明", "problems"}
# An exported ledger (members.export) read back (issue 12, item 9): its hidden record key,
# and its columns whose meaning depends on the row's direction, under keys of their own
# (see census.keys); the export's read-only columns are ignored without a word.
IGNORED_HEADERS |= {"党员类别", "状态", "状态日期", "纳管日期", "最近联系日期", "联系逾期"}
KEY_HEADER = "记录键"
EXPORT_HEADERS = {
    KEY_HEADER: "record_key",
    "组织关系所在党组织": "home_side",
    "流入地党组织（联络站）": "receiving_side",
    "流动方向": "direction",
}


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the template's header (Chinese, as counties know it)
    english: str | Promise
    required: bool = False
    kind: str = "text"  # text | date | id_number | code | choice | organization | place
    table: str = ""  # code table for kind "code"
    width: int = 14
    aliases: tuple[str, ...] = ()
    help: str | Promise = ""


COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        "姓名",
        pgettext_lazy("person", "Name"),
        True,
        width=10,
        help=_("As on the ID card."),
    ),
    Column(
        "id_number",
        "公民身份号码",
        _("ID number"),
        True,
        "id_number",
        width=22,
        aliases=("身份证号", "身份证号码", "身份证"),
        help=_("18 characters; the column is formatted as text, keep it so."),
    ),
    Column("sex", "性别", _("Sex"), False, "code", "sex", 6, help=_("Taken from the ID number.")),
    Column("ethnicity", "民族", _("Ethnic group"), True, "code", "ethnicity", 10),
    Column("phone", "手机号码", _("Mobile phone"), False, width=14, aliases=("联系电话", "手机")),
    Column("education", "学历", _("Education"), False, "code", "education", 12),
    Column("joined_on", "入党日期", _("Date joined the party"), False, "date", width=12),
    Column(
        "direction",
        "流动类型",
        _("Direction"),
        False,
        "choice",
        width=10,
        help=_("Outflow (our member away) or inflow (another place's member here)."),
    ),
    Column(
        "organization",
        "所在党组织",
        _("Organization"),
        True,
        "organization",
        width=30,
        aliases=("党组织", "所在党支部"),
        help=_(
            "Outflow: the branch holding the membership. Inflow: the receiving branch "
            "(may stay empty when the station column names the station)."
        ),
    ),
    Column(
        "home_organization_name",
        "外地组织关系所在党组织",
        _("Home organization elsewhere"),
        False,
        width=26,
        help=_("Inflow only: where the membership is."),
    ),
    Column(
        "origin",
        "流出地",
        pgettext_lazy("flow place", "From"),
        False,
        "place",
        width=18,
        help=_("Inflow: where they came from. Outflow: empty means the branch's county."),
    ),
    Column(
        "destination",
        "流入地",
        pgettext_lazy("flow place", "To"),
        False,
        "place",
        width=18,
        aliases=("现居住地", "流向地"),
        help=_("Outflow: where they live now, e.g. 陕西省西安市雁塔区. Inflow: empty means here."),
    ),
    Column("destination_address", "详细地址", _("Address there"), False, width=28),
    Column("employer", "工作单位", _("Employer or workplace"), False, width=22),
    Column("reason", "流动原因", _("Reason for moving"), True, "code", "flow_reason", 12),
    Column("left_on", "外出日期", _("Left on"), True, "date", width=12, aliases=("流出日期",)),
    Column("expected_return_on", "预计返回日期", _("Expected return"), False, "date", width=12),
    Column(
        "flow_scope",
        "流动范围",
        _("Flow scope"),
        False,
        "choice",
        width=10,
        help=_("Optional: computed from the places; if given, it must agree."),
    ),
    Column(
        "status",
        "管理状态",
        _("Status"),
        False,
        "choice",
        width=12,
        help=_("For new records only; empty means registered."),
    ),
    *(  # before departure (外出前, issue 12 item 6): optional, for new records
        Column(
            "briefed_on",
            "外出前谈话日期",
            _("Pre-departure talk on"),
            False,
            "date",
            width=12,
            aliases=("谈话日期",),
            help=_("Optional: the day of the talk before leaving, on or before the day they left."),
        ),
        Column("briefed_by", "谈话人", _("Talk held by"), False, width=10),
        Column("briefing_notes", "谈话内容", _("Talk notes"), False, width=28),
        Column(
            "certificate_number",
            "流动党员活动证编号",
            _("Activity certificate number"),
            False,
            width=18,
            aliases=("活动证编号", "流动党员活动证号"),
        ),
        Column(
            "keep_contact",
            "联系方式约定",
            _("Way of keeping contact"),
            False,
            "choice",
            width=14,
            help=_("Optional: the way of keeping contact agreed before leaving."),
        ),
        Column(
            "keep_contact_detail",
            "联系约定说明",
            _("Keeping contact: details"),
            False,
            width=24,
            help=_("No phone numbers here."),
        ),
    ),
)
COLUMNS += (
    # The station the member is attached to, anywhere in the city (not only the county's):
    # an inflow member living here is often served by a station of the city seat.
    Column(
        "station",
        "联系服务站",
        _("Station"),
        False,
        "station",
        width=26,
        aliases=("服务站", "联络站", "所在服务站", "所在联络站"),
        help=_("Optional: the liaison or service station the member is attached to."),
    ),
)
BY_KEY = {c.key: c for c in COLUMNS}
CHOICES: dict[str, Any] = {
    "direction": Direction,
    "flow_scope": FlowScope,
    "status": (FlowStatus.REGISTERED, FlowStatus.MANAGED, FlowStatus.LOST),
    "keep_contact": KeepContact,
}


def choice_values(key: str) -> list[tuple[str, str]]:
    """(value, Chinese label) of a choice column, the label as the template lists it."""
    members = list(CHOICES[key])
    with translation.override("zh-hans"):
        return [(m.value, str(m.label)) for m in members]


def choice_lookup(key: str) -> dict[str, str]:
    """Normalized value, Chinese label or English label -> value."""
    found: dict[str, str] = {}
    for member in CHOICES[key]:
        for language in ("zh-hans", "en"):
            with translation.override(language):
                found[fold(str(member.label))] = member.value
        found[fold(member.value)] = member.value
    return found


_SPACES = re.compile(r"\s+")


def fold(text: Any) -> str:
    """Headers and choices match whatever the width, case, spaces or required marks."""
    clean = unicodedata.normalize("NFKC", str(text or ""))
    return _SPACES.sub("", clean).replace("*", "").casefold()


def header_lookup() -> dict[str, str]:
    found: dict[str, str] = {fold(header): key for header, key in EXPORT_HEADERS.items()}
    for column in COLUMNS:
        names = [column.header, column.key, *column.aliases]
        with translation.override("en"):
            names.append(str(column.english))
        for name in names:
            found.setdefault(fold(name), column.key)
    return found


def template_header(column: Column) -> str:
    return f"{column.header}*" if column.required else column.header


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_REF = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")


def range_boundaries(ref: str) -> tuple[int, int, int, int]:
    """ "B2:D5" -> (min column, min row, max column, max row), 1-based ("A1" alone is its own
    range); ValueError for anything else. What the reader needs of merged ranges, without
    importing openpyxl (and numpy with it) into the import's process."""
    corners = []
    for part in str(ref).upper().split(":", 1):
        match = _REF.fullmatch(part.strip())
        if match is None:
            raise ValueError(ref)
        column = 0
        for letter in match[1]:
            column = column * 26 + ord(letter) - 64
        corners.append((column, int(match[2])))
    (c0, r0), (c1, r1) = corners[0], corners[-1]
    return min(c0, c1), min(r0, r1), max(c0, c1), max(r0, r1)
