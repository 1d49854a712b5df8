"""Notifications in the browser: a member checks in by a station's QR link on a phone; the
station's staff see it in the bell and on their workbench, open it and confirm; the member
finds the answer among their messages on the phone's home page. Screenshots:
var/screenshots/notify-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from liudong.accounts import sms
from liudong.accounts.models import Role, User
from liudong.demo.tree import DEMO_PASSWORD
from liudong.members.models import FlowRecord
from liudong.notifications.models import Notification
from liudong.stations import queries
from liudong.stations.models import CheckIn

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_a_check_in_reaches_the_staff_and_the_answer_the_member(
    live_server: Any, browser: Any, demo: Any, screenshots: Path
) -> None:
    base = live_server.url
    member_user = demo("user:member_jc")
    flow = FlowRecord.objects.select_related("destination_place").get(
        member__user=member_user, is_open=True
    )
    station = queries.stations_near_place(flow.destination_place, limit=1)[0].station
    staff = User.objects.filter(role=Role.STATION_STAFF, organization=station.branch_id).first()
    errors: list[str] = []

    # The member signs in on the phone and checks in by the QR link.
    phone = browser.new_context(**PHONE, locale="zh-CN")
    page = phone.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/s/{station.qr_token}/")
    page.fill("input[name=phone]", member_user.phone)
    with page.expect_navigation():
        page.click("#phone-submit")
    page.fill("input[name=code]", sms.latest_console_code(member_user.phone) or "")
    with page.expect_navigation():
        page.click("#phone-submit")
    with page.expect_navigation():
        page.click("#check-in-button")
    check_in = CheckIn.objects.get(flow=flow)
    told = Notification.objects.get(kind="checkin.pending", source_id=str(check_in.pk))
    assert told.recipient_id == staff.pk

    # The staff: the bell counts it, the workbench lists it; opening it leads to the answer.
    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    staff_page = desk.new_page()
    staff_page.on("pageerror", lambda exc: errors.append(str(exc)))
    staff_page.goto(f"{base}/accounts/login/")
    staff_page.fill("input[name=username]", staff.username)
    staff_page.fill("input[name=password]", DEMO_PASSWORD)
    with staff_page.expect_navigation():
        staff_page.click("main button[type=submit]")
    staff_page.wait_for_selector("#ld-bell")
    assert staff_page.locator("[data-attention='notifications']").count() == 1
    card = staff_page.locator("#card-workbench_notifications")
    assert card.locator(f"[data-notification='{told.pk}']").is_visible()
    assert staff_page.locator(f"#card-workbench_check_ins [data-check-in='{check_in.pk}']").count()
    staff_page.screenshot(path=str(screenshots / "notify-1-workbench.png"), full_page=True)
    staff_page.click("#ld-bell")
    staff_page.screenshot(path=str(screenshots / "notify-2-bell.png"))
    with staff_page.expect_navigation():
        card.locator(f"[data-notification='{told.pk}'] a").click()
    assert "/stations/check-ins/" in staff_page.url
    told.refresh_from_db()
    assert told.read_at is not None
    row = staff_page.locator(f"#to-answer tr[data-check-in='{check_in.pk}']")
    with staff_page.expect_navigation():
        row.locator(f"[data-confirm='{check_in.pk}']").click()
    staff_page.goto(f"{base}/notifications/")
    staff_page.screenshot(path=str(screenshots / "notify-3-centre.png"), full_page=True)

    # The member: the answer among the messages on the home page, and in the centre.
    page.goto(f"{base}/home/")
    answer = Notification.objects.get(kind="checkin.confirmed", source_id=str(check_in.pk))
    messages = page.locator("#my-messages")
    assert messages.locator(f"[data-notification='{answer.pk}']").is_visible()
    assert station.name in messages.inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    page.screenshot(path=str(screenshots / "notify-4-member-home.png"), full_page=True)
    page.goto(f"{base}/notifications/")
    page.screenshot(path=str(screenshots / "notify-5-member-messages.png"), full_page=True)
    with page.expect_navigation():
        page.click(f"[data-notification='{answer.pk}'] a")
    assert f"/m/check-ins/{check_in.pk}/" in page.url
    assert not errors, errors
    phone.close()
    desk.close()
