"""An activity on a phone (390×844): the branch secretary plans the branch meeting on the
staff pages; the member signs in by phone, finds it among the coming activities, signs up,
then opens the activity's QR link and records attendance (once); the secretary sees the
attendance and the home county sees it on the member's page. Screenshots:
docs/screenshots/activity-*.png."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.urls import reverse
from django.utils import timezone

from liudong.accounts import sms
from liudong.activities.models import Activity, Attendance, SignUp
from liudong.config import project_root
from liudong.members.models import Member
from tests.browser.test_ledger_walk import sign_in

SHOTS = project_root() / "docs" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TITLE = "支部主题党日：学习新修订的党纪处分条例"


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"activity-{name}.png"), full_page=True)


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_member_signs_up_and_records_attendance_by_the_qr_link(
    live_server: Any, browser: Any, demo: Any, screenshots: Path
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    member_user = demo("user:member_jc")
    member = Member.objects.get(user=member_user)
    branch = member.home_organization
    starts = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(minutes=20)

    # 1. The branch secretary plans the meeting, starting in 20 minutes (open to scan now).
    _context, staff, outside, errors = sign_in(browser, base, "secretary_jc")
    staff.goto(base + reverse("activities:plan"))
    staff.select_option("select[name=organizer]", str(branch.pk))
    staff.select_option("select[name=kind]", "branch_meeting")
    staff.fill("input[name=title]", TITLE)
    staff.fill("input[name=starts_at]", _local(starts))
    staff.fill("input[name=ends_at]", _local(starts + datetime.timedelta(hours=1, minutes=30)))
    staff.fill("input[name=place]", "村党群服务中心会议室")
    staff.fill("input[name=online_link]", "https://meeting.example.cn/j/8801")
    staff.fill("input[name=capacity]", "30")
    staff.select_option("select[name=audience]", "branch")
    _shot(staff, "1-plan")
    with staff.expect_navigation():
        staff.click("#activity-form button[type=submit]")
    activity = Activity.objects.get(title=TITLE)
    assert activity.organizer == branch and activity.starts_at == starts
    assert staff.url == base + reverse("activities:detail", args=[activity.pk])
    assert "<svg" in staff.content()

    # 2. The member signs in by phone and finds it among the coming activities.
    phone = browser.new_context(**PHONE, locale="zh-CN")
    page = phone.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + reverse("activity_member:coming"))
    assert "/accounts/phone/" in page.url
    page.fill("input[name=phone]", member_user.phone)
    with page.expect_navigation():
        page.click("#phone-submit")
    page.fill("input[name=code]", sms.latest_console_code(member_user.phone))
    with page.expect_navigation():
        page.click("#phone-submit")
    assert page.url.endswith(reverse("activity_member:coming"))
    card = page.locator(f"[data-activity='{activity.pk}']")
    assert TITLE in card.inner_text()
    _shot(page, "2-coming")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # 3. One tap signs up; the page says so and offers to withdraw.
    with page.expect_navigation():
        card.click()
    with page.expect_navigation():
        page.click("#sign-up-button")
    assert "报名成功" in page.content()
    assert "您已报名" in page.locator("#state").inner_text()
    _shot(page, "3-signed-up")
    assert SignUp.objects.filter(activity=activity, member=member).count() == 1

    # 4. At the meeting the member scans the QR link: one tap records attendance, once.
    qr_link = base + reverse("activity_member:scan", args=[activity.qr_token])
    page.goto(qr_link)
    assert TITLE in page.content()
    _shot(page, "4-scan")
    with page.expect_navigation():
        page.click("#attend-button")
    assert "签到成功" in page.locator("#recorded").inner_text()
    _shot(page, "5-recorded")
    page.goto(qr_link)  # scanning again shows the attendance, with no button to repeat it
    assert page.locator("#attend-button").count() == 0
    assert page.locator("#recorded").count() == 1
    assert Attendance.objects.filter(activity=activity, member=member).count() == 1

    # 5. The secretary sees the attendance; the home county sees it on the member's page.
    staff.reload()
    assert member.name in staff.locator("#attendance").inner_text()
    _shot(staff, "6-attendance")
    _c, county, c_outside, c_errors = sign_in(browser, base, "jingchuan")
    county.goto(base + reverse("members:member_detail", args=[member.pk]))
    panel = county.locator("[data-panel=activities]")
    assert TITLE in panel.inner_text()
    _shot(county, "7-member-page")

    # 6. A station's list (the demo's activities): the one awaiting its summary first.
    _s, station, s_outside, s_errors = sign_in(browser, base, "station05")
    station.goto(base + reverse("activities:list"))
    assert station.locator("#awaiting-summary").count() == 1
    _shot(station, "8-station-list")
    first = station.locator("tr[data-activity] a").first
    with station.expect_navigation():
        first.click()
    station.goto(station.url.rstrip("/") + "/poster/")
    _shot(station, "9-poster")
    assert not outside and not c_outside and not s_outside
    assert not errors and not c_errors and not s_errors
