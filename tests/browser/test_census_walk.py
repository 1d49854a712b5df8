"""A county's census file in a real browser: download the template, upload a file with 3 bad
rows, read them in the preview, download the file with the problems marked, fix it, upload it
again and commit. Screenshots: var/screenshots/census-*.png."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from liudong.census.models import CensusRound, CensusSubmission
from liudong.demo.census import ROUND_NAME
from liudong.members.idnumber import check_character
from liudong.members.models import Member
from tests.browser.test_ledger_walk import sign_in


def ids(count: int) -> list[str]:
    out = []
    for n in range(count):
        first17 = f"620821{datetime.date(1981, 2, 3) + datetime.timedelta(days=n):%Y%m%d}77{n % 10}"
        out.append(first17 + check_character(first17))
    return out


def test_county_uploads_fixes_and_commits(
    live_server: Any, browser: Any, demo: Any, screenshots: Path, settings: Any, tmp_path: Path
) -> None:
    settings.LIUDONG_CENSUS_INLINE = True  # the job runs in the request: no second writer
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    base = live_server.url
    census_round = CensusRound.objects.get(name=ROUND_NAME)
    context, page, outside, errors = sign_in(browser, base, "jingchuan")
    page.goto(f"{base}/census/rounds/{census_round.pk}/")
    page.screenshot(path=str(screenshots / "census-progress-county.png"), full_page=True)

    # 1. The template, as the county downloads it.
    page.goto(f"{base}/census/rounds/{census_round.pk}/upload/")
    with page.expect_download() as info:
        page.click("#template-link")
    template = tmp_path / "template.xlsx"
    info.value.save_as(template)
    book = load_workbook(template)
    data = book["摸排数据"]
    example = book["填写示例"]
    org = example["I2"].value
    numbers = ids(6)
    for n, number in enumerate(numbers):
        data.append(
            ["张三丰" if n else "李四", number, None, "汉族", "13912345678", None, None, "流出",
             org, None, None, "陕西省西安市雁塔区", "高新路1号", "某公司", "务工经商",
             "2022-05-01"]
        )  # fmt: skip
    data["D3"] = "火星族"  # 3 bad rows: an unknown ethnicity,
    data["B4"] = float(numbers[2])  # an ID number stored as a number,
    data["P5"] = "2022-02-30"  # an impossible date
    bad = tmp_path / "泾川摸排.xlsx"
    book.save(bad)

    # 2. Upload: the preview lists the three problems.
    page.set_input_files("input[type=file]", str(bad))
    page.click("#upload-button")
    page.wait_for_selector("#problems")
    assert page.locator("[data-count=new]").inner_text() == "3"
    assert page.locator("[data-count=rejected]").inner_text() == "3"
    assert page.locator("#problems tbody tr").count() == 3
    page.screenshot(path=str(screenshots / "census-preview-problems.png"), full_page=True)

    # 3. The file back with the problem cells marked; fix those cells in it.
    with page.expect_download() as info:
        page.click("#error-workbook")
    marked = tmp_path / "marked.xlsx"
    info.value.save_as(marked)
    book = load_workbook(marked)
    sheet = book["摸排数据"]
    assert sheet["D3"].comment and sheet["B4"].comment and sheet["P5"].comment
    sheet["D3"] = "回族"
    sheet["B4"] = numbers[2]
    sheet["P5"] = "2022-02-28"
    fixed = tmp_path / "泾川摸排-改.xlsx"
    book.save(fixed)

    # 4. Upload again, commit.
    page.goto(f"{base}/census/rounds/{census_round.pk}/upload/")
    page.set_input_files("input[type=file]", str(fixed))
    page.click("#upload-button")
    page.wait_for_selector("#preview-counts")
    assert page.locator("[data-count=new]").inner_text() == "6"
    assert page.locator("[data-count=rejected]").inner_text() == "0"
    page.screenshot(path=str(screenshots / "census-preview-clean.png"), full_page=True)
    before = Member.objects.count()
    page.click("#commit-button")
    page.wait_for_selector("#submission-state")
    submission = CensusSubmission.objects.filter(round=census_round).order_by("-id").first()
    assert submission.state == "committed"
    assert Member.objects.count() == before + 6
    page.screenshot(path=str(screenshots / "census-committed.png"), full_page=True)
    context.close()

    # The city watches the round.
    context, page, outside2, errors2 = sign_in(browser, base, "city")
    page.goto(f"{base}/census/rounds/{census_round.pk}/")
    assert page.locator("#progress-table tbody tr").count() == 7
    page.screenshot(path=str(screenshots / "census-progress-city.png"), full_page=True)
    context.close()
    assert not outside + outside2, outside + outside2
    assert not errors + errors2, errors + errors2
    assert io  # noqa: B018
