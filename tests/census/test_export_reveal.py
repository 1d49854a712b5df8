"""The census results export: masked by GET; full ID numbers only by POST with a reason,
audited as a reveal with that reason (as a reveal on a member's page is)."""

from __future__ import annotations

import io
import re
from typing import Any

from openpyxl import load_workbook

from liudong.census.models import CensusRound
from liudong.core.models import AuditEvent
from liudong.demo.census import ROUND_NAME

FULL_ID = re.compile(r"\d{17}[\dX]")


def _id_cells(content: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(content))["摸排数据"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    column = next(i for i, h in enumerate(header) if "身份" in str(h))
    return [str(r[column]) for r in sheet.iter_rows(min_row=2, values_only=True) if r[column]]


def _url() -> str:
    return f"/census/rounds/{CensusRound.objects.get(name=ROUND_NAME).pk}/export/?county=620821"


def test_a_get_export_is_masked_even_for_a_role_that_may_reveal(login: Any) -> None:
    response = login("jingchuan").get(_url())
    assert response.status_code == 200
    cells = _id_cells(response.content)
    assert cells and not any(FULL_ID.fullmatch(c) for c in cells)
    event = AuditEvent.objects.filter(verb="census.export").latest("at")
    assert event.kind == "export"


def test_full_numbers_need_a_post_with_a_reason(login: Any) -> None:
    client = login("jingchuan")
    before = AuditEvent.objects.filter(verb="census.export", kind="reveal").count()
    refused = client.post(_url(), {"reason": "  "})
    assert refused.status_code == 302  # back to the round page, with a message
    assert AuditEvent.objects.filter(verb="census.export", kind="reveal").count() == before
    response = client.post(_url(), {"reason": "核对县级台账"})
    assert response.status_code == 200
    cells = _id_cells(response.content)
    assert cells and all(FULL_ID.fullmatch(c) for c in cells)
    event = AuditEvent.objects.filter(verb="census.export", kind="reveal").latest("at")
    assert event.reason == "核对县级台账" and event.actor.username == "jingchuan"


def test_the_round_page_offers_the_full_export_as_a_form(login: Any) -> None:
    page = login("jingchuan").get(_url().replace("export/?county=620821", ""))
    text = page.content.decode()
    assert 'method="post"' in text and 'name="reason"' in text
