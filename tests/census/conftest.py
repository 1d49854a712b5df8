"""Census test helpers: workbooks written by openpyxl, a round, running jobs inline."""

from __future__ import annotations

import datetime
import io
import itertools
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from liudong.census.columns import COLUMNS, DATA_SHEET, template_header
from liudong.members.idnumber import check_character

_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def _inline_jobs(settings: Any, tmp_path: Any) -> None:
    settings.LIUDONG_CENSUS_INLINE = True
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }


def id_number(place: str = "620821", birth: str = "19900315", sex: str = "1") -> str:
    """A valid ID number never used before in this test run."""
    sequence = f"{next(_serial) % 50:02d}{sex}"
    first17 = place + birth + sequence
    return first17 + check_character(first17)


def fresh_ids(count: int, place: str = "620821") -> list[str]:
    base = next(_serial) * 1000
    out = []
    for i in range(count):
        n = base + i
        birth = (datetime.date(1970, 1, 1) + datetime.timedelta(days=n % 9000)).strftime("%Y%m%d")
        first17 = place + birth + f"{(n // 9000) % 1000:03d}"
        out.append(first17 + check_character(first17))
    return out


def row(**values: Any) -> dict[str, Any]:
    """A good outflow row for 泾川; override any column by key."""
    base = {
        "name": "王建国",
        "id_number": id_number(),
        "ethnicity": "汉族",
        "phone": "13900001234",
        "direction": "流出",
        "organization": "",
        "destination": "陕西省西安市雁塔区",
        "destination_address": "长安南路1号",
        "employer": "某公司",
        "reason": "务工经商",
        "left_on": "2023-03-01",
    }
    base.update(values)
    return base


def workbook_bytes(
    rows: Iterable[dict[str, Any]],
    *,
    headers: list[str] | None = None,
    sheet_title: str = DATA_SHEET,
    raw: Callable[[Any], None] | None = None,
) -> bytes:
    """A workbook like a county's: the template's headers (or ``headers``), then rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    keys = [c.key for c in COLUMNS]
    names = headers or [template_header(c) for c in COLUMNS]
    sheet.append(names)
    for values in rows:
        sheet.append([values.get(k) for k in keys])
    if raw is not None:
        raw(sheet)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(content: bytes, name: str = "census.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def read_back(content: bytes) -> Any:
    return load_workbook(io.BytesIO(content))


@pytest.fixture
def census_round(db: Any) -> Any:
    from liudong.census.models import CensusRound

    return CensusRound.objects.create(
        name=f"测试轮次 {next(_serial)}",
        deadline=datetime.date.today() + datetime.timedelta(days=30),
    )


@pytest.fixture
def branch(demo: Any) -> Any:
    from liudong.orgs.models import Organization

    return Organization.objects.filter(
        path__startswith=demo("620821").path, kind="branch"
    ).order_by("code")[0]


@pytest.fixture
def run_file(demo: Any, census_round: Any) -> Callable[..., Any]:
    """Upload bytes for a county and run the dry run inline; returns the submission."""
    from liudong.census import actions
    from liudong.core.scope import SYSTEM

    def run(content: bytes, county: str = "620821", by: Any = None, name: str = "c.xlsx") -> Any:
        submission = actions.submit_file(
            by=by or SYSTEM,
            census_round=census_round,
            county=demo(county),
            upload=upload(content, name),
        )
        return actions.run_dry_run(submission.pk)

    return run
