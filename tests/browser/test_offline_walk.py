"""A phone with poor signal (390×844; decisions 133–135): the member opens the activity's
QR link, the phone loses its network, the member records attendance — the page keeps it
and says "waiting to send" (等待发送); back online it is sent by itself, once (one
Attendance row). The same for a check-in at a station's QR link. The service worker keeps
the light pages: offline, a page opened before still opens. Screenshots:
docs/screenshots/offline-*.png."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.urls import reverse
from django.utils import timezone

from liudong.accounts import sms
from liudong.activities import actions as activities
from liudong.activities.models import Activity, ActivityKind, Attendance, Audience
from liudong.config import project_root
from liudong.members.models import Member
from liudong.stations.models import CheckIn
from tests.browser.waiting import wait_until
from tests.stations.helpers import member_with_account, station

SHOTS = project_root() / "docs" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TITLE = "工地流动党员集中学习"


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"offline-{name}.png"), full_page=True)


def _phone_sign_in(browser: Any, base: str, user: Any, errors: list[str]) -> tuple[Any, Any]:
    phone = browser.new_context(**PHONE, locale="zh-CN")
    page = phone.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + reverse("activity_member:coming"))
    page.fill("input[name=phone]", user.phone)
    with page.expect_navigation():
        page.click("#phone-submit")
    page.fill("input[name=code]", sms.latest_console_code(user.phone))
    with page.expect_navigation():
        page.click("#phone-submit")
    return phone, page


def _worker_ready(page: Any) -> None:
    """The service worker installed and controlling the page (a reload after the first
    visit puts the page under it)."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    wait_until(page, "() => navigator.serviceWorker.controller !== null")


def test_attendance_made_offline_is_sent_once_back_online(
    live_server: Any, browser: Any, demo: Any, screenshots: Path
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    member_user = demo("user:member_jc")
    member = Member.objects.get(user=member_user)
    starts = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(minutes=20)
    activity = activities.plan_activity(
        by=demo("user:secretary_jc"),
        organizer=member.home_organization,
        kind=ActivityKind.THEORY_STUDY,
        title=TITLE,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        place="项目部会议室",
        audience=Audience.BRANCH,
    )
    assert Activity.objects.filter(title=TITLE).count() == 1
    errors: list[str] = []
    phone, page = _phone_sign_in(browser, base, member_user, errors)
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))

    # 1. The QR link opens (online): the page is kept by the service worker.
    qr_link = base + reverse("activity_member:scan", args=[activity.qr_token])
    page.goto(qr_link)
    _worker_ready(page)
    assert TITLE in page.content()
    assert page.locator("#m-outbox").is_hidden()

    # 2. The signal goes: the page, opened again, comes from the phone's copy.
    phone.set_offline(True)
    page.goto(qr_link)
    assert TITLE in page.content()
    assert page.locator("#attend-button").is_enabled()

    # 3. The member taps the button: kept on the phone, "waiting to send"; nothing sent.
    page.click("#attend-button")
    outbox = page.locator("#m-outbox")
    outbox.wait_for(state="visible")
    assert "等待发送" in outbox.inner_text()
    assert outbox.locator("[data-state=waiting]").count() == 1
    assert "等待发送" in page.locator("#attend-button").inner_text()
    assert page.locator("#attend-button").is_disabled()
    _shot(page, "1-attendance-waiting")
    assert Attendance.objects.filter(activity=activity, member=member).count() == 0

    # 4. A page without a kept copy shows the offline page; the kept item is still listed
    #    on every light page until it is sent.
    page.goto(base + reverse("activity_member:coming"))
    assert page.locator("#m-outbox [data-state=waiting]").count() == 1
    page.goto(base + "/m/never-opened/")
    assert page.locator("#offline").count() == 1
    _shot(page, "2-no-copy")
    page.goto(qr_link)

    # 5. Back online: sent by itself, once; the page shows the recorded attendance.
    with page.expect_navigation():
        phone.set_offline(False)
    page.locator("#recorded").wait_for()
    assert "签到" in page.locator("#recorded").inner_text()
    assert page.locator("#m-outbox [data-state=sent]").count() == 1
    _shot(page, "3-attendance-sent")
    assert Attendance.objects.filter(activity=activity, member=member).count() == 1
    page.reload()  # nothing is sent again
    page.goto(base + reverse("activity_member:coming"))
    assert page.locator("#m-outbox [data-state=waiting]").count() == 0
    assert Attendance.objects.filter(activity=activity, member=member).count() == 1
    assert not outside and not errors
    phone.close()


def test_a_check_in_made_offline_is_sent_once_back_online(
    live_server: Any, browser: Any, demo: Any, screenshots: Path
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    user, member, _record = member_with_account(demo, county="620821", to="610113")
    errors: list[str] = []
    phone, page = _phone_sign_in(browser, base, user, errors)

    station_link = base + reverse("checkin:station", args=[station(5).qr_token])
    page.goto(station_link)
    assert page.locator("#check-in-button").count() == 1
    phone.set_offline(True)
    page.click("#check-in-button")
    page.locator("#m-outbox [data-state=waiting]").wait_for()
    assert "等待发送" in page.locator("#m-outbox").inner_text()
    _shot(page, "4-check-in-waiting")
    assert CheckIn.objects.filter(member=member).count() == 0

    with page.expect_navigation(url=f"{base}/m/check-ins/**"):
        phone.set_offline(False)
    check_in = CheckIn.objects.get(member=member)
    assert page.url == base + reverse("checkin:detail", args=[check_in.pk])
    assert check_in.idempotency_key is not None
    _shot(page, "5-check-in-sent")
    page.reload()
    assert CheckIn.objects.filter(member=member).count() == 1
    assert not errors
    phone.close()
