"""Home pages: activity dates carry the year; the member's own pages call them by the name in
the ledger, under 姓名, not by their account's label."""

from __future__ import annotations

import re
from typing import Any

import pytest

from liudong.members.models import Member

pytestmark = pytest.mark.django_db


def _dates_in(html: str, list_id: str) -> list[str]:
    block = re.search(rf'id="{list_id}".*?</ul>', html, re.S)
    assert block, list_id
    return re.findall(r'class="text-muted ld-num[^"]*">([^<]+)<', block.group(0))


def test_activity_dates_carry_the_year(login: Any) -> None:
    feed = _dates_in(login("city").get("/home/").content.decode(), "recent-events")
    assert feed, "the city's feed is empty"
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", d) for d in feed), feed
    # Station staff see their check-ins instead of the audit feed.
    check_ins = _dates_in(login("station05").get("/home/").content.decode(), "recent-check-ins")
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", d) for d in check_ins), check_ins


def _own_member(demo: Any) -> Member:
    user = demo("user:member_jc")
    member = Member.objects.filter(user=user).first()
    if member is None:
        member = Member.objects.filter(user__isnull=True).order_by("pk").first()
        Member.objects.filter(pk=member.pk).update(user=user)
        member.refresh_from_db()
    assert member.name != user.display_name
    return member


def test_member_pages_show_the_ledger_name_under_name(login: Any, demo: Any) -> None:
    member = _own_member(demo)
    label = demo("user:member_jc").display_name  # the account's label, e.g. 党员JC
    client = login("member_jc")
    client.cookies["liudong_language"] = "zh-hans"
    profile = client.get("/accounts/profile/").content.decode()
    assert re.search(rf"<dt>姓名</dt><dd[^>]*>{member.name}</dd>", profile), profile
    assert label not in profile
    home = client.get("/home/").content.decode()
    assert member.name in re.search(r"<h1>(.*?)</h1>", home, re.S).group(1)
    client.cookies["liudong_language"] = "en"
    profile = client.get("/accounts/profile/").content.decode()
    assert re.search(rf"<dt>Name</dt><dd[^>]*>{member.name}</dd>", profile)
