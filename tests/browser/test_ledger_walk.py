"""Co-management in a real browser: the county finds a member by pinyin initials, logs a
contact and hands a visit to the station; the station answers it from its to-do list; the
county sees the answer. Screenshots of each step: var/screenshots/ledger-*.png."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.urls import reverse

from liudong.accounts.models import User
from liudong.demo.tree import DEMO_PASSWORD
from liudong.members import actions, work
from liudong.members.models import Contact, Handoff, HandoffState
from tests.members.helpers import make_flow, make_member

NAME = "麴翊骁"  # initials "qyx"
INITIALS = "qyx"


def sign_in(browser: Any, base: str, username: str) -> tuple[Any, Any, list[str], list[str]]:
    context = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN")
    page = context.new_page()
    outside: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/home/")
    return context, page, outside, errors


def test_county_and_station_share_the_work_on_a_member(
    live_server: Any, browser: Any, demo: Any, screenshots: Path
) -> None:
    base = live_server.url
    county_user = demo("user:jingchuan")
    branch = demo("620821001").children.order_by("code").first()
    member = make_member(county_user, branch, name=NAME)
    flow = make_flow(county_user, member, to="610113", employer="西安某软件公司")
    flow = actions.check_in(by=county_user, flow=flow, inflow_organization=demo("620800-LD05"))
    member_url = base + reverse("members:member_detail", args=[member.pk])

    # 1. The county admin finds the member by pinyin initials on the out-of-province ledger.
    county, page, outside, errors = sign_in(browser, base, "jingchuan")
    page.goto(base + reverse("members:ledger_out_of_province"))
    page.fill("input[name=q]", INITIALS)
    with page.expect_navigation():
        page.press("input[name=q]", "Enter")
    assert f"q={INITIALS}" in page.url
    page.locator("main table").get_by_role("link", name=NAME).first.wait_for()
    page.screenshot(path=str(screenshots / "ledger-1-search.png"), full_page=True)

    # 2. Opens the member's page.
    with page.expect_navigation():
        page.locator("main table").get_by_role("link", name=NAME).first.click()
    assert page.url == member_url
    page.screenshot(path=str(screenshots / "ledger-2-member.png"), full_page=True)

    # 3. Logs a contact.
    contact_url = reverse("members:contact_create", args=[flow.pk])
    with page.expect_navigation():
        page.click(f"a[href='{contact_url}']")
    page.select_option("select[name=method]", "phone")
    page.fill("textarea[name=note]", "电话联系，近况良好")
    page.screenshot(path=str(screenshots / "ledger-3-contact-form.png"), full_page=True)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url == member_url
    assert "电话联系，近况良好" in page.inner_text("main")
    assert Contact.objects.filter(flow=flow, organization=branch).count() == 1

    # 4. Raises a hand-off to the station (the other side is the default).
    handoff_url = reverse("members:handoff_create", args=[flow.pk])
    with page.expect_navigation():
        page.click(f"a[href='{handoff_url}']")
    assert page.locator("select[name=to_organization]").input_value() == str(
        flow.inflow_organization_id
    )
    page.select_option("select[name=kind]", "visit")
    page.fill("textarea[name=message]", "请近期上门走访")
    page.screenshot(path=str(screenshots / "ledger-4-handoff-form.png"), full_page=True)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url == member_url
    assert "请近期上门走访" in page.inner_text("main")
    handoff = Handoff.objects.get(flow=flow)
    assert handoff.state == HandoffState.OPEN and handoff.to_organization.code == "620800-LD05"
    page.screenshot(path=str(screenshots / "ledger-5-member-handoff-open.png"), full_page=True)

    # 5. station05 signs in: the home card counts it, the to-do list shows it; marks it done.
    station, spage, s_outside, s_errors = sign_in(browser, base, "station05")
    # The demo may hold other hand-offs for the station: the card counts them all, this one too.
    station_user = User.objects.get(username="station05")
    to_answer = work.handoffs_to_answer(station_user)
    assert to_answer.filter(pk=handoff.pk).exists()
    count = to_answer.count()
    assert spage.inner_text("#card-to-answer .ld-stat-value").strip() == str(count)
    spage.screenshot(path=str(screenshots / "ledger-6-station-home.png"), full_page=True)
    with spage.expect_navigation():
        spage.click("#card-to-answer")
    row = spage.locator(f"#to-answer tr[data-handoff='{handoff.pk}']")
    assert NAME in row.inner_text() and "请近期上门走访" in row.inner_text()
    spage.screenshot(path=str(screenshots / "ledger-7-station-todo.png"), full_page=True)
    row.locator("input[name=response]").fill("已上门走访，本人在岗")
    with spage.expect_navigation():
        row.locator("button[type=submit]").click()
    assert spage.locator(f"#to-answer tr[data-handoff='{handoff.pk}']").count() == 0
    assert re.sub(r"\s", "", spage.inner_text("[data-count=to_answer]")) == str(count - 1)
    spage.screenshot(path=str(screenshots / "ledger-8-station-done.png"), full_page=True)
    handoff.refresh_from_db()
    assert handoff.state == HandoffState.DONE and handoff.response == "已上门走访，本人在岗"

    # 6. The county admin sees it done, with the reply, on the member's page and the to-do.
    page.goto(member_url)
    assert "已上门走访，本人在岗" in page.inner_text("main")
    page.screenshot(path=str(screenshots / "ledger-9-county-sees-done.png"), full_page=True)
    page.goto(base + reverse("members:todo"))
    answered = page.locator(f"#answered tr[data-handoff='{handoff.pk}']")
    assert "已上门走访，本人在岗" in answered.inner_text()
    page.screenshot(path=str(screenshots / "ledger-10-county-todo.png"), full_page=True)

    assert not outside and not s_outside, (outside, s_outside)
    assert not errors and not s_errors, (errors, s_errors)
    county.close()
    station.close()
