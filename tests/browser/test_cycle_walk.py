"""The yearly cycle on a desktop: a branch secretary records a dues payment; the station
where the member lives gives its appraisal input (prefilled); the home branch records the
result. Screenshots: var/screenshots/cycle-*.png."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone

from liudong.accounts.models import Role, User
from liudong.core.scope import SYSTEM
from liudong.cycle import actions
from liudong.cycle.models import Appraisal, DuesPayment, DuesSetting
from liudong.demo.tree import DEMO_PASSWORD

DESK = {"viewport": {"width": 1366, "height": 860}, "locale": "zh-CN"}


def _sign_in(browser: Any, base: str, user: Any, errors: list[str]) -> Any:
    page = browser.new_context(**DESK).new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    return page


def test_dues_payment_appraisal_input_and_result(
    live_server: Any, browser: Any, demo: Any, screenshots: Path
) -> None:
    base = live_server.url
    today = timezone.localdate()
    year = today.year
    actions.set_window(
        by=SYSTEM,
        year=year,
        opens=today - datetime.timedelta(days=1),
        closes=today + datetime.timedelta(days=30),
    )
    given = Appraisal.objects.filter(year=year).values("member")
    setting = (
        DuesSetting.objects.filter(
            collector="home", flow__is_open=True, flow__inflow_organization__isnull=False
        )
        .exclude(member__in=given)
        .select_related("member", "flow__inflow_organization")
        .order_by("pk")
        .first()
    )
    assert setting is not None
    member = setting.member
    secretary = User.objects.create(
        username="walk_secretary", role=Role.BRANCH_SECRETARY, organization=setting.organization
    )
    secretary.set_password(DEMO_PASSWORD)
    secretary.save()
    staff = User.objects.filter(
        role=Role.STATION_STAFF, organization=setting.flow.inflow_organization, is_active=True
    ).first()
    assert staff is not None
    errors: list[str] = []

    # 1. The branch secretary records a payment of this month (the demo paid up to last month).
    page = _sign_in(browser, base, secretary, errors)
    page.goto(f"{base}/cycle/dues/members/{member.pk}/")
    assert page.locator("#record-payment").is_visible()
    page.fill("#id_pay-first_month", f"{today:%Y-%m}")
    page.fill("#id_pay-receipt_number", "WALK-0001")
    page.screenshot(path=str(screenshots / "cycle-1-dues.png"), full_page=True)
    with page.expect_navigation():
        page.click("#pay-submit")
    page.screenshot(path=str(screenshots / "cycle-2-paid.png"), full_page=True)
    assert DuesPayment.objects.filter(member=member, receipt_number="WALK-0001").exists()
    assert "党费交纳已登记" in page.content()
    page.screenshot(path=str(screenshots / "cycle-2-paid.png"), full_page=True)

    # 2. The station where the member lives gives its input, prefilled from the platform.
    station = _sign_in(browser, base, staff, errors)
    station.goto(f"{base}/cycle/appraisals/?year={year}")
    station.screenshot(path=str(screenshots / "cycle-3-appraisals.png"), full_page=True)
    station.goto(f"{base}/cycle/appraisals/members/{member.pk}/?year={year}")
    assert station.locator("#id_activities_attended").input_value() != ""
    station.fill("#id_remark", "按时参加联络站组织生活，积极参加志愿服务。")
    station.screenshot(path=str(screenshots / "cycle-4-input.png"), full_page=True)
    with station.expect_navigation():
        station.click("#input-submit")
    row = Appraisal.objects.get(member=member, year=year)
    assert row.input_organization_id == setting.flow.inflow_organization_id

    # 3. The home branch reads it beside its own and records the result.
    page.goto(f"{base}/cycle/appraisals/{row.pk}/")
    page.fill("#id_result-home_assessment", "经支部党员大会评议。")
    page.select_option("#id_result-result", "excellent")
    with page.expect_navigation():
        page.click("#result-submit")
    row.refresh_from_db()
    assert row.result == "excellent"
    page.screenshot(path=str(screenshots / "cycle-5-result.png"), full_page=True)
    page.goto(f"{base}/ledger/members/{member.pk}/")
    assert page.locator("[data-panel='dues']").is_visible()
    assert page.locator("[data-panel='appraisal']").is_visible()
    page.locator("[data-panel='dues']").screenshot(path=str(screenshots / "cycle-6-panels.png"))
    assert errors == []
