"""Every route that answers with a workbook, walked with hostile names on the data: member
names, organization (branch, township, county) names and place names that start with
= + - @, a tab or a carriage return. No cell of any workbook is a formula (but the monthly
report's own sums), and the hostile text is there, as text.

The routes are found from the resolver by their ``@xlsx.download`` mark (tests/core/
test_xlsx.py holds every workbook answer to the mark): a new one fails here until it is
walked below.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from openpyxl import load_workbook

from liudong.core import xlsx
from tests.census.conftest import row, upload, workbook_bytes
from tests.core.test_scope_generic import iter_routes

COUNTY = "620821"  # 泾川县, its administrator is "jingchuan"
STARTS = ('=HYPERLINK("http://evil.example","点我")&', "+1+", "-2+", "@SUM(1,2)&", "\t=", "\r=")
MEMBER_NAMES = tuple(f"{start}名" for start in STARTS)
SUM = re.compile(r"=SUM\([A-Z]+\d+:[A-Z]+\d+\)")


def xlsx_routes() -> set[str]:
    return {
        route for route, pattern in iter_routes() if getattr(pattern.callback, "xlsx_download", 0)
    }


# --- the hostile data -------------------------------------------------------------------------


def _planted(start_index: int, code: str) -> str:
    return f"{STARTS[start_index % len(STARTS)]}{code}"


class Hostile:
    """Hostile names planted straight into the tables (as data from before any rule, or
    from an administrator renaming an organization), in 泾川县."""

    def __init__(self, demo: Any) -> None:
        from liudong.analytics.figures import child_rows_of
        from liudong.members.models import Member
        from liudong.orgs.models import BRANCH_KINDS, Organization

        self.county = demo(COUNTY)
        self.user = demo("user:jingchuan")
        members = list(
            Member.objects.filter(home_organization__path__startswith=self.county.path)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for index, name in enumerate(MEMBER_NAMES):
            Member.objects.filter(pk__in=members[index :: len(MEMBER_NAMES)]).update(name=name)
        self.branches: dict[int, str] = {}
        branches = Organization.objects.filter(
            path__startswith=self.county.path, kind__in=BRANCH_KINDS, active=True
        ).order_by("pk")
        for index, org in enumerate(branches):
            self.branches[org.pk] = _planted(index, org.code)
            Organization.objects.filter(pk=org.pk).update(name=self.branches[org.pk])
        self.townships: list[str] = []
        for index, org in enumerate(child_rows_of(self.county)):
            name = _planted(index + 1, org.code)
            self.townships.append(name)
            Organization.objects.filter(pk=org.pk).update(name=name, short_name=name)
        self.county_name = _planted(0, self.county.code)
        Organization.objects.filter(pk=self.county.pk).update(name=self.county_name)
        self.county.refresh_from_db()


@pytest.fixture
def hostile(demo: Any) -> Hostile:
    return Hostile(demo)


# --- reading a workbook back -------------------------------------------------------------------


def cells(content: bytes) -> Iterator[Any]:
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            yield from line


def body(response: Any) -> bytes:
    assert response.status_code == 200, getattr(response, "content", b"")[:300]
    assert response["Content-Type"] == xlsx.CONTENT_TYPE
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def assert_safe(content: bytes, expected: set[str], *, within: bool = False) -> None:
    """No formula cell but the report's sums; every formula-like text is quoted text; each
    expected text is a cell of its own (``within``: inside a cell's text)."""
    texts = []
    for cell in cells(content):
        if cell.data_type == "f":
            assert SUM.fullmatch(str(cell.value)), (cell.coordinate, cell.value)
            continue
        if isinstance(cell.value, str):
            texts.append(cell.value)
            if xlsx.looks_like_formula(cell.value):
                assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.value)
    for text in expected:
        if within:
            assert any(text in t for t in texts), text
        else:
            assert text in texts, text


# --- the routes ---------------------------------------------------------------------------------


def ledger_export(client: Any, hostile: Hostile) -> None:
    from liudong.members.queries import ledger_rows
    from liudong.regions.models import Place

    rows = ledger_rows(hostile.user, "out_of_province", {}).select_related("destination_place")
    province = rows[0].destination_place.ancestors()[0]
    planted = _planted(2, province.name)
    Place.objects.filter(pk=province.pk).update(name=planted)
    homes = {hostile.branches.get(f.member.home_organization_id) for f in rows} - {None}
    expected = {*MEMBER_NAMES, *homes}
    url = "/ledger/export/out_of_province/"
    assert_safe(body(client.get(url)), expected)
    full = body(client.post(url, {"full": "1"}))
    assert_safe(full, expected)
    assert any(t.startswith(planted) for t in _texts(full))  # the place, within its full name


def _texts(content: bytes) -> list[str]:
    return [c.value for c in cells(content) if isinstance(c.value, str)]


def census_template(client: Any, hostile: Hostile) -> None:
    content = body(client.get("/census/template/"))
    assert_safe(content, set(hostile.branches.values()))
    assert any(t.startswith(hostile.county_name) for t in _texts(content))  # the instructions


def census_round_export(client: Any, hostile: Hostile) -> None:
    from liudong.census.models import CensusRound
    from liudong.demo.census import ROUND_NAME

    census_round = CensusRound.objects.get(name=ROUND_NAME)
    content = body(client.get(f"/census/rounds/{census_round.pk}/export/"))
    assert_safe(content, set(MEMBER_NAMES))
    assert set(_texts(content)) & set(hostile.branches.values())  # the members' branches


def census_errors(client: Any, hostile: Hostile) -> None:
    from liudong.census import actions, workbooks
    from liudong.census.models import CensusRound

    census_round = CensusRound.objects.create(
        name="公式测试轮次", deadline=datetime.date.today() + datetime.timedelta(days=30)
    )
    branch = next(name for name in hostile.branches.values() if name.startswith("+"))
    rows = [row(name=name, organization=branch) for name in MEMBER_NAMES]
    outsider = "+外县支部"
    rows.append(row(organization=outsider))
    submission = actions.submit_file(
        by=hostile.user,
        census_round=census_round,
        county=hostile.county,
        upload=upload(workbook_bytes(rows)),
    )
    submission = actions.run_dry_run(submission.pk)
    codes = [p.code for p in submission.problems.order_by("row_number")]
    # The names are refused: a formula cell, or a name that looks like one.
    assert codes == [
        "formula",
        "name_formula",
        "name_formula",
        "name_formula",
        "formula",
        "formula",
        "organization_unknown",
    ], codes
    url = f"/census/submissions/{submission.pk}/errors.xlsx"
    # The uploaded cells come back as text, even the one openpyxl wrote as a formula.
    assert_safe(body(client.get(url)), set(MEMBER_NAMES) | {outsider})
    # A very long file gets the list of problems instead: the same writer.
    original = workbooks.ERROR_WORKBOOK_MAX_ROWS
    workbooks.ERROR_WORKBOOK_MAX_ROWS = 0
    try:
        listed = body(client.get(url))
    finally:
        workbooks.ERROR_WORKBOOK_MAX_ROWS = original
    assert_safe(listed, {outsider}, within=True)


def monthly_report(client: Any, hostile: Hostile) -> None:
    content = body(client.get("/statistics/reports/", {"format": "xlsx"}))
    assert_safe(content, set(hostile.townships))
    assert any(t.startswith(hostile.county_name) for t in _texts(content))  # the title


def dues_statement(client: Any, hostile: Hostile) -> None:
    from liudong.cycle.models import DuesSetting
    from liudong.cycle.rules import add_months, month_of

    setting = (
        DuesSetting.objects.filter(
            organization__path__startswith=hostile.county.path,
            member__name__in=MEMBER_NAMES,
            flow__is_open=True,
        )
        .order_by("pk")
        .first()
    )
    assert setting is not None, "the demo has dues settings in the county"
    month = add_months(month_of(datetime.date.today()), -1)
    content = body(
        client.get(
            "/cycle/dues/statement/",
            {"organization": setting.organization_id, "month": f"{month:%Y-%m}"},
        )
    )
    assert_safe(content, {setting.member.name, hostile.branches[setting.organization_id]})


def siting_plan_export(client: Any, hostile: Hostile) -> None:
    from liudong.siting import actions as siting

    name = _planted(1, "布点方案")
    plan = siting.run_plan(
        by=hostile.user,
        name=name,
        params=siting.PlanParams(k=1, radius_km=30, keep_existing=False),
    )
    assert_safe(body(client.get(f"/siting/{plan.pk}/export/")), {name})


def host_site_template(client: Any, hostile: Hostile) -> None:
    from liudong.codes.models import Code

    # the kinds' drop-down lists the code table's labels, which an administrator names
    kind = Code.objects.filter(table__key="host_site_kind", active=True).order_by("pk").first()
    assert kind is not None, "the host sites' kinds are a code table"
    kind.name = _planted(2, "依托单位类型")
    kind.save()
    assert_safe(body(client.get("/siting/sites/template.xlsx")), {kind.name})


WALKS: dict[str, Callable[[Any, Hostile], None]] = {
    "ledger/export/<slug:ledger>/": ledger_export,
    "census/template/": census_template,
    "census/rounds/<int:pk>/export/": census_round_export,
    "census/submissions/<int:pk>/errors.xlsx": census_errors,
    "statistics/reports/": monthly_report,
    "cycle/dues/statement/": dues_statement,
    "siting/<int:pk>/export/": siting_plan_export,
    "siting/sites/template.xlsx": host_site_template,
}


def test_every_workbook_route_is_walked() -> None:
    assert xlsx_routes() == set(WALKS), "walk the new workbook route in WALKS"


@pytest.mark.parametrize("route", sorted(WALKS))
def test_no_formula_from_hostile_names(
    route: str, hostile: Hostile, login: Any, settings: Any, tmp_path: Any
) -> None:
    settings.LIUDONG_CENSUS_INLINE = True
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    WALKS[route](login("jingchuan"), hostile)
