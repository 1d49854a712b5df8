"""A few transfers of membership in the demo (issue 12, item 5): 泾川 → 崇信 awaiting acceptance,
灵台 → 庄浪 refused back with its reason, 华亭 → outside the city awaiting the letter's receipt.
None is closed, so no figure of the demo changes; 泾川 and 灵台 share none (the generic scope
test keeps those two counties apart)."""

from __future__ import annotations

from django.db import transaction

from liudong.accounts.models import User
from liudong.members import actions
from liudong.members.models import Member, Transfer
from liudong.orgs.models import Organization


def _member_of(county: str, skip: set[int]) -> Member | None:
    return (
        Member.objects.filter(home_organization__code__startswith=county)
        .exclude(flows__is_open=True, flows__status="lost")
        .exclude(pk__in=skip)
        .order_by("pk")
        .first()
    )


def _branch_of(township: str) -> Organization:
    return Organization.objects.filter(parent__code=township).order_by("code").first()


@transaction.atomic
def build_transfers() -> int:
    """Once (a second run does nothing); returns how many transfers were made."""
    if Transfer.objects.exists():
        return 0
    jc, lt, cx, zl = (
        User.objects.get(username=n) for n in ("jingchuan", "lingtai", "chongxin", "zhuanglang")
    )
    used: set[int] = set()
    made = 0
    plan = (("620821", jc, cx, "620823001"), ("620822", lt, zl, "620825001"))
    for county, sender, receiver, township in plan:
        member = _member_of(county, used)
        if member is None:
            continue
        used.add(member.pk)
        transfer = actions.start_transfer(
            by=sender, member=member, to_organization=_branch_of(township), reason="随家人定居"
        )
        made += 1
        if county == "620822":
            actions.refuse_transfer(by=receiver, transfer=transfer, reason="本人尚未到支部报到")
    member = _member_of("620881", used)
    if member is not None:
        huating = User.objects.get(username="huating")
        letter = actions.start_transfer(
            by=huating,
            member=member,
            to_organization_name="中共西安市雁塔区小寨路街道某社区委员会",
            letter_number="华组转〔2026〕7号",
            reason="工作调动",
        )
        made += bool(letter)
    return made
