"""The monthly report's title is in the reader's language, on the page and in the .xlsx
(issue 10, item 20)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook


def _page_title(client: Any) -> str:
    html = client.get("/statistics/reports/").content.decode()
    return re.search(r'<h2 class="fs-5[^"]*">(.*?)</h2>', html, re.S).group(1).strip()


def _xlsx_title(client: Any) -> str:
    response = client.get("/statistics/reports/?format=xlsx")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content)).active["A1"].value


@pytest.mark.parametrize("read", [_page_title, _xlsx_title])
def test_english_report_has_an_english_title(login: Any, demo: Any, read: Any) -> None:
    client = login("jingchuan")
    client.cookies.load({"liudong_language": "en"})
    title = read(client)
    today = timezone.localdate()
    assert "monthly statistical report" in title
    assert f"{today.year}-{today.month:02d}" in title
    assert "月报" not in title and "年" not in title
    assert title.startswith(demo("620821").name)


@pytest.mark.parametrize("read", [_page_title, _xlsx_title])
def test_chinese_report_keeps_its_chinese_title(login: Any, demo: Any, read: Any) -> None:
    today = timezone.localdate()
    title = read(login("jingchuan"))
    assert (
        title == f"{demo('620821').name}流动党员管理服务统计月报（{today.year}年{today.month}月）"
    )
