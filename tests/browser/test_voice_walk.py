"""The members' voice on a phone (390×844) and the county's side on a desktop: a member of
灵台 suggests an investment lead; the county routes it to its commerce bureau, the bureau
answers, the county approves (the member sees nothing before), then the member reads the
answer; the member reads a notice and marks interest in a job.
Screenshots: var/screenshots/voice-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from liudong.accounts import sms
from liudong.demo.tree import DEMO_PASSWORD
from liudong.voice.models import JobInterest, NoticeRead, Suggestion

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1366, "height": 860}, "locale": "zh-CN"}
TITLE = "苹果深加工企业有意回乡考察"
ANSWER = "县商务局已与企业负责人联系，下周安排实地考察。"


def _sign_in(browser: Any, base: str, username: str, errors: list[str]) -> Any:
    page = browser.new_context(**DESK).new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    return page


def test_a_member_suggests_and_reads_the_countys_approved_answer(
    live_server: Any, browser: Any, demo: Any, screenshots: Path
) -> None:
    base = live_server.url
    member_user = demo("user:member_lt")
    errors: list[str] = []

    # 1. The member signs in by phone and makes a suggestion for the home county.
    phone = browser.new_context(**PHONE, locale="zh-CN")
    page = phone.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/m/voice/suggestions/new/")
    assert "/accounts/phone/" in page.url
    page.fill("input[name=phone]", member_user.phone)
    with page.expect_navigation():
        page.click("#phone-submit")
    page.fill("input[name=code]", sms.latest_console_code(member_user.phone))
    with page.expect_navigation():
        page.click("#phone-submit")
    assert page.url.endswith("/m/voice/suggestions/new/")
    assert "灵台县" in page.content()
    page.select_option("select[name=kind]", "investment")
    page.select_option("select[name=topic]", "industry")
    page.fill("input[name=title]", TITLE)
    page.fill(
        "textarea[name=text]", "我所在的食品企业计划在西北新建果汁生产线，负责人愿意回灵台考察。"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshots / "voice-1-phone-suggest.png"), full_page=True)
    with page.expect_navigation():
        page.click("#suggestion-submit")
    made = Suggestion.objects.get(member__user=member_user, title=TITLE)
    assert made.county.code == "620822"
    expect(page.locator("#no-answer")).to_be_visible()

    # 2. The county (desktop) routes it to its commerce bureau.
    county = _sign_in(browser, base, "lingtai", errors)
    county.goto(f"{base}/voice/suggestions/")
    expect(county.locator(f"tr[data-suggestion='{made.pk}']")).to_be_visible()
    county.goto(f"{base}/voice/suggestions/{made.pk}/")
    department = demo("user:dept_lingtai").voice_department.department
    county.select_option("select[name=department]", str(department.pk))
    county.screenshot(path=str(screenshots / "voice-2-desk-route.png"), full_page=True)
    with county.expect_navigation():
        county.click("#route-submit")
    expect(county.locator("#department")).to_be_visible()

    # 3. The bureau's user answers; the member still sees no answer.
    bureau = _sign_in(browser, base, "dept_lingtai", errors)
    assert bureau.url.rstrip("/").endswith("/voice/suggestions")  # its home page
    bureau.goto(f"{base}/voice/suggestions/{made.pk}/")
    assert member_user.person_name not in bureau.content()  # the suggestion, not who
    bureau.fill("textarea[name=answer]", ANSWER)
    with bureau.expect_navigation():
        bureau.click("#answer-submit")
    bureau.screenshot(path=str(screenshots / "voice-3-desk-answer.png"), full_page=True)
    page.reload()
    assert page.locator("#no-answer").is_visible() and ANSWER not in page.content()

    # 4. The county approves; now the member reads it.
    county.goto(f"{base}/voice/suggestions/{made.pk}/")
    assert ANSWER in county.content()
    with county.expect_navigation():
        county.click("#approve-submit")
    assert county.locator("#suggestion").get_attribute("data-status") == "published"
    county.screenshot(path=str(screenshots / "voice-4-desk-approved.png"), full_page=True)
    page.reload()
    assert page.locator("#answer").inner_text().strip() == ANSWER
    page.screenshot(path=str(screenshots / "voice-5-phone-answer.png"), full_page=True)

    # 5. The member reads a notice (counted once) ...
    page.goto(f"{base}/m/voice/notices/")
    first = page.locator("[data-notice]").first
    notice_pk = int(first.get_attribute("data-notice"))
    before = NoticeRead.objects.filter(notice=notice_pk).count()
    with page.expect_navigation():
        first.click()
    expect(page.locator("#notice-body")).to_be_visible()
    page.reload()
    assert NoticeRead.objects.filter(notice=notice_pk).count() in (before, before + 1)
    assert NoticeRead.objects.filter(notice=notice_pk, member__user=member_user).count() == 1
    page.screenshot(path=str(screenshots / "voice-6-phone-notice.png"), full_page=True)

    # 6. ... and marks interest in a job.
    page.goto(f"{base}/m/voice/jobs/")
    job = page.locator("[data-job]").first
    job_pk = int(job.get_attribute("data-job"))
    with page.expect_navigation():
        job.click()
    with page.expect_navigation():
        page.click("#interest-submit")
    expect(page.locator("#interest-marked")).to_be_visible()
    assert JobInterest.objects.filter(opening=job_pk, member__user=member_user).count() == 1
    page.screenshot(path=str(screenshots / "voice-7-phone-job.png"), full_page=True)

    # The county's list on a desktop, with the dashboard's card.
    county.goto(f"{base}/voice/suggestions/")
    county.screenshot(path=str(screenshots / "voice-8-desk-list.png"), full_page=True)
    county.goto(f"{base}/statistics/dashboard/")
    expect(county.locator("[data-figure=suggestions_total]")).to_be_visible()
    assert not errors, errors
