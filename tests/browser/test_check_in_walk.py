"""One-click check-in on a phone (390×844): the member signs in with the code from the
console sender, opens a station's QR link and checks in; the station's staff confirm; the
member sees "confirmed". Screenshots: var/screenshots/checkin-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from liudong.accounts import sms
from liudong.accounts.models import Role, User
from liudong.demo.tree import DEMO_PASSWORD
from liudong.members.models import FlowRecord, FlowStatus
from liudong.stations import queries
from liudong.stations.models import CheckIn, CheckInStatus

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LIMIT_BYTES = 150 * 1024


def _transferred(page: Any, url: str) -> int:
    """Bytes on the wire (headers and bodies) for loading ``url`` in a fresh page."""
    responses: list[Any] = []
    page.on("response", lambda r: responses.append(r))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    total = 0
    for response in responses:
        sizes = response.request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    return total


def test_member_checks_in_by_qr_and_the_station_confirms(
    live_server: Any, browser: Any, demo: Any, screenshots: Path
) -> None:
    base = live_server.url
    member_user = demo("user:member_jc")
    flow = FlowRecord.objects.select_related("destination_place").get(
        member__user=member_user, is_open=True
    )
    assert flow.status == FlowStatus.REGISTERED
    station = queries.stations_near_place(flow.destination_place, limit=1)[0].station
    staff = User.objects.filter(role=Role.STATION_STAFF, organization=station.branch_id).first()
    qr_link = f"/s/{station.qr_token}/"

    # 1. The member opens the QR link on a phone and is asked to sign in by phone.
    phone = browser.new_context(**PHONE, locale="zh-CN")
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + qr_link)
    assert "/accounts/phone/" in page.url
    page.fill("input[name=phone]", member_user.phone)
    page.screenshot(path=str(screenshots / "checkin-1-phone.png"))
    with page.expect_navigation():
        page.click("#phone-submit")
    code = sms.latest_console_code(member_user.phone)
    assert code is not None and len(code) == 6
    page.fill("input[name=code]", code)
    page.screenshot(path=str(screenshots / "checkin-2-code.png"))
    with page.expect_navigation():
        page.click("#phone-submit")
    assert page.url.endswith(qr_link)

    # 2. The check-in page, first load in a fresh page with the same session: light.
    fresh = browser.new_context(**PHONE, locale="zh-CN")
    fresh.add_cookies(phone.cookies())
    first = fresh.new_page()
    size = _transferred(first, base + qr_link)
    print(f"check-in page, first load: {size} bytes on the wire")
    assert size < LIMIT_BYTES, size
    assert first.viewport_size == {"width": 390, "height": 844}
    width = first.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # nothing wider than the phone
    assert station.name in first.content()
    first.screenshot(path=str(screenshots / "checkin-3-station.png"), full_page=True)
    fresh.close()

    # 3. One tap: awaiting confirmation. A second tap changes nothing.
    with page.expect_navigation():
        page.click("#check-in-button")
    assert "/m/check-ins/" in page.url
    assert page.locator("#check-in").get_attribute("data-status") == "pending"
    page.screenshot(path=str(screenshots / "checkin-4-pending.png"), full_page=True)
    page.goto(base + qr_link)
    assert CheckIn.objects.filter(flow=flow).count() == 1
    check_in = CheckIn.objects.get(flow=flow)

    # 4. The station's staff confirm on their to-do list.
    desk = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN")
    staff_page = desk.new_page()
    staff_page.goto(f"{base}/accounts/login/")
    staff_page.fill("input[name=username]", staff.username)
    staff_page.fill("input[name=password]", DEMO_PASSWORD)
    with staff_page.expect_navigation():
        staff_page.click("main button[type=submit]")
    assert staff_page.locator("#card-check-ins").is_visible()
    staff_page.goto(f"{base}/stations/check-ins/")
    row = staff_page.locator(f"#to-answer tr[data-check-in='{check_in.pk}']")
    assert member_user.phone not in row.inner_text()  # masked
    staff_page.screenshot(path=str(screenshots / "checkin-5-staff-todo.png"), full_page=True)
    with staff_page.expect_navigation():
        row.locator(f"[data-confirm='{check_in.pk}']").click()
    check_in.refresh_from_db()
    assert check_in.status == CheckInStatus.CONFIRMED
    staff_page.goto(f"{base}/stations/{station.pk}/")
    staff_page.screenshot(path=str(screenshots / "checkin-6-station-page.png"), full_page=True)

    # 5. The member sees "confirmed", and the home page shows the station and history.
    page.goto(f"{base}/m/check-ins/{check_in.pk}/")
    assert page.locator("#check-in").get_attribute("data-status") == "confirmed"
    assert "已确认" in page.locator("#check-in").inner_text()
    page.screenshot(path=str(screenshots / "checkin-7-confirmed.png"), full_page=True)
    page.goto(f"{base}/home/")
    assert station.name in page.locator("#my-station").inner_text()
    page.screenshot(path=str(screenshots / "checkin-8-member-home.png"), full_page=True)
    flow.refresh_from_db()
    assert flow.status == FlowStatus.MANAGED and flow.inflow_organization_id == station.branch_id
    assert not errors, errors
    phone.close()
    desk.close()


def test_nearby_stations_without_location_on_a_phone(
    live_server: Any, browser: Any, demo: Any, screenshots: Path
) -> None:
    """Location denied: the stations near the record's destination, in English too."""
    base = live_server.url
    member_user = demo("user:member_jc")
    context = browser.new_context(**PHONE, locale="en-US")
    context.add_cookies([{"name": "liudong_language", "value": "en", "url": base}])
    page = context.new_page()
    page.goto(f"{base}/accounts/phone/")
    page.fill("input[name=phone]", member_user.phone)
    with page.expect_navigation():
        page.click("#phone-submit")
    page.fill("input[name=code]", sms.latest_console_code(member_user.phone) or "")
    with page.expect_navigation():
        page.click("#phone-submit")
    page.goto(f"{base}/m/check-in/?located=denied")
    assert "Location is off" in page.content()
    assert page.locator("#stations li").count() >= 1
    page.screenshot(path=str(screenshots / "checkin-9-nearby-en.png"), full_page=True)
    context.close()
