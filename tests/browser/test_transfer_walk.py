"""A transfer of membership in a real browser (issue 12, item 5): 泾川 transfers a member to a
branch of 灵台; 灵台 sees it on the bell and accepts; both ledgers show the result (灵台's list of
members holds the member, 泾川's out-of-county ledger the stay closed as transferred).
Screenshots: docs/screenshots/transfer-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.urls import reverse

from liudong.config import project_root
from liudong.members.models import FlowRecord, FlowStatus, Transfer, TransferState
from tests.browser.test_ledger_walk import sign_in
from tests.members.helpers import make_flow, make_member

NAME = "邵转接"
SHOTS = project_root() / "docs" / "screenshots"


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"transfer-{name}.png"), full_page=True)


def test_jingchuan_transfers_a_member_and_lingtai_accepts_from_the_bell(
    live_server: Any, browser: Any, demo: Any, screenshots: Path
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    jc = demo("user:jingchuan")
    home = demo("620821001").children.order_by("code").first()
    there = demo("620822001").children.order_by("code").first()
    member = make_member(jc, home, name=NAME, phone="13900007301")
    flow = make_flow(jc, member, to="620822", employer="灵台县某合作社")
    member_url = base + reverse("members:member_detail", args=[member.pk])

    # 1. 泾川 opens the member's page and starts a transfer to 灵台's branch.
    county, page, outside, errors = sign_in(browser, base, "jingchuan")
    page.goto(member_url)
    with page.expect_navigation():
        page.click("[data-action=start-transfer]")
    page.check("input[name=within_city][value='1']")
    page.select_option("select[name=to_organization]", str(there.pk))
    page.fill("input[name=reason]", "随家人定居灵台")
    _shot(page, "1-form")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url == member_url
    transfer = Transfer.objects.get(member=member)
    assert transfer.state == TransferState.PENDING and transfer.to_organization == there
    panel = page.locator("[data-panel=transfers]")
    assert there.name in panel.inner_text() and "待接收" in panel.inner_text()
    _shot(page, "2-sent")

    # 2. 灵台 signs in: the bell says a transfer awaits; it opens the transfer and accepts.
    receiver, rpage, r_outside, r_errors = sign_in(browser, base, "lingtai")
    rpage.locator("#ld-bell").wait_for()
    rpage.click("#ld-bell")
    item = rpage.locator("[data-attention=transfers]")
    item.wait_for()
    assert "待接收的转接" in item.inner_text()
    _shot(rpage, "3-bell")
    with rpage.expect_navigation():
        item.click()
    row = rpage.locator(f"#to-receive tr[data-transfer='{transfer.pk}']")
    assert NAME in row.inner_text()
    with rpage.expect_navigation():
        row.get_by_role("link").click()
    _shot(rpage, "4-detail")
    rpage.fill("textarea[name=note]", "已接收，编入本支部")
    with rpage.expect_navigation():
        rpage.click("[data-action=accept]")
    assert rpage.locator(f"#to-receive tr[data-transfer='{transfer.pk}']").count() == 0
    transfer.refresh_from_db()
    member.refresh_from_db()
    assert transfer.state == TransferState.ACCEPTED and member.home_organization == there
    assert FlowRecord.objects.get(pk=flow.pk).status == FlowStatus.TRANSFERRED
    _shot(rpage, "5-accepted")

    # 3. Both ledgers: 灵台's members list holds the member under its branch ...
    rpage.goto(base + reverse("members:member_list") + f"?q={NAME}")
    ledger_row = rpage.locator("main table tbody tr", has_text=NAME)
    assert there.name in ledger_row.inner_text()
    _shot(rpage, "6-lingtai-members")
    # ... and 泾川's out-of-county ledger shows the stay closed as transferred.
    page.goto(base + reverse("members:ledger_out_of_county") + f"?status=transferred&q={NAME}")
    closed_row = page.locator("main table tbody tr", has_text=NAME)
    assert "已转接组织关系" in closed_row.inner_text()
    _shot(page, "7-jingchuan-ledger")
    page.goto(base + reverse("members:transfers") + "#outgoing")
    assert "已接收" in page.locator(f"#outgoing tr[data-transfer='{transfer.pk}']").inner_text()
    _shot(page, "8-jingchuan-outgoing")

    assert not outside and not r_outside, (outside, r_outside)
    assert not errors and not r_errors, (errors, r_errors)
    county.close()
    receiver.close()
