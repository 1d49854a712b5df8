"""A service request on a phone (390×844): the member signs in by phone, asks for legal aid
with a photo; the station's staff accept and resolve it; the member rates it.
Screenshots: var/screenshots/request-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image

from liudong.accounts import sms
from liudong.accounts.models import Role, User
from liudong.assistance.models import ServiceRequest
from liudong.demo.tree import DEMO_PASSWORD
from liudong.members.models import FlowRecord
from liudong.stations.models import Station

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TEXT = "在工地受伤，包工头不认工伤，想申请法律援助。"


def _photo(path: Path) -> Path:
    Image.new("RGB", (320, 240), (210, 220, 230)).save(path, format="JPEG")
    return path


def test_member_asks_for_legal_aid_staff_resolve_and_the_member_rates(
    live_server: Any, browser: Any, demo: Any, screenshots: Path, tmp_path: Path
) -> None:
    base = live_server.url
    member_user = demo("user:member_jn")
    flow = FlowRecord.objects.get(member__user=member_user, is_open=True)
    station = Station.objects.get(branch=flow.inflow_organization_id)
    staff = User.objects.filter(role=Role.STATION_STAFF, organization=station.branch_id).first()
    errors: list[str] = []
    before = set(ServiceRequest.objects.values_list("pk", flat=True))

    # 1. The member signs in by phone and asks for help.
    phone = browser.new_context(**PHONE, locale="zh-CN")
    page = phone.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/m/requests/new/")
    assert "/accounts/phone/" in page.url
    page.fill("input[name=phone]", member_user.phone)
    with page.expect_navigation():
        page.click("#phone-submit")
    page.fill("input[name=code]", sms.latest_console_code(member_user.phone))
    with page.expect_navigation():
        page.click("#phone-submit")
    assert page.url.endswith("/m/requests/new/")
    assert page.locator("select[name=station]").input_value() == str(station.pk)
    page.select_option("select[name=kind]", "legal_aid")
    page.fill("textarea[name=description]", TEXT)
    page.set_input_files("input[name=file]", str(_photo(tmp_path / "伤情.jpg")))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    page.screenshot(path=str(screenshots / "request-1-ask.png"), full_page=True)
    with page.expect_navigation():
        page.click("#request-submit")
    request = ServiceRequest.objects.exclude(pk__in=before).get(
        member__user=member_user, kind="legal_aid"
    )
    assert page.locator("#request").get_attribute("data-status") == "submitted"
    assert request.attachments.count() == 1
    page.screenshot(path=str(screenshots / "request-2-sent.png"), full_page=True)

    # 2. The station's staff accept it and resolve it.
    desk = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN")
    staff_page = desk.new_page()
    staff_page.on("pageerror", lambda exc: errors.append(str(exc)))
    staff_page.goto(f"{base}/accounts/login/")
    staff_page.fill("input[name=username]", staff.username)
    staff_page.fill("input[name=password]", DEMO_PASSWORD)
    with staff_page.expect_navigation():
        staff_page.click("main button[type=submit]")
    staff_page.goto(f"{base}/requests/")
    assert staff_page.locator(f"#open tr[data-request='{request.pk}']").is_visible()
    warning = staff_page.locator("#calendar-missing")
    assert warning.count() == 0 or "2026" not in warning.inner_text()  # 2026 is seeded
    staff_page.screenshot(path=str(screenshots / "request-3-staff-list.png"), full_page=True)
    staff_page.goto(f"{base}/requests/{request.pk}/")
    assert TEXT in staff_page.locator("#description").inner_text()
    with staff_page.expect_navigation():
        staff_page.click("button[name=do][value=accept]")
    staff_page.fill("textarea[name=outcome]", "区法律援助中心已受理，指派律师代理工伤认定。")
    staff_page.screenshot(path=str(screenshots / "request-4-staff-detail.png"), full_page=True)
    with staff_page.expect_navigation():
        staff_page.click("button[name=do][value=resolve]")
    assert staff_page.locator("#request").get_attribute("data-status") == "resolved"
    request.refresh_from_db()
    assert request.assigned_to == staff

    # 3. The member sees the outcome and rates it, once.
    page.goto(f"{base}/m/requests/{request.pk}/")
    assert "法律援助中心已受理" in page.locator("#outcome").inner_text()
    page.check("input[name=rating][value='5']")
    page.fill("input[name=rating_comment]", "非常感谢！")
    with page.expect_navigation():
        page.click("#rate-submit")
    assert "5★" in page.locator("#rating").inner_text()
    assert page.locator("form[action$='/rate/']").count() == 0
    page.screenshot(path=str(screenshots / "request-5-rated.png"), full_page=True)
    request.refresh_from_db()
    assert request.rating == 5
    assert not errors, errors
