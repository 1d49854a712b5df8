"""Test helpers for the ledger: valid ID numbers and ready-made members and flow records."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from liudong.members import actions
from liudong.members.idnumber import check_character
from liudong.regions.models import Place

_sequence = itertools.count(101)


def id_number(
    place: str = "620821", birth: datetime.date = datetime.date(1985, 3, 14), sex: str = "1"
) -> str:
    """A valid GB 11643 number; a new sequence each call so numbers don't collide."""
    n = next(_sequence)
    seq = 500 + (2 * n + (sex == "1")) % 500  # odd = male; 500-999, above the demo's range
    birth = birth + datetime.timedelta(days=n // 250)  # a new birth day every 250 calls
    first17 = f"{place}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def make_member(
    by: Any,
    home: Any,
    *,
    name: str = "张三",
    sex: str = "1",
    phone: str = "13800001111",
    **extra: Any,
) -> Any:
    return actions.create_member(
        by=by,
        name=name,
        sex=sex,
        ethnicity="01",
        birth_date=None,
        id_number=id_number(home.place_id or "620821", sex=sex),
        phone=phone,
        education="21",
        joined_on=datetime.date(2010, 7, 1),
        membership="full",
        home_organization=home,
        home_organization_name="",
        home_place=None,
        **extra,
    )


def legacy_name(member: Any, name: str) -> Any:
    """Give ``member`` a name the ledger's rules now refuse (one that looks like a formula),
    as a member recorded before the rule has: straight into the table, past the actions."""
    type(member).objects.filter(pk=member.pk).update(
        name=name, name_pinyin=actions.pinyin_key(name)
    )
    member.refresh_from_db()
    return member


def make_flow(by: Any, member: Any, *, to: str = "610113", **extra: Any) -> Any:
    values = {
        "direction": "outflow",
        "reason": "work",
        "left_on": datetime.date(2024, 3, 1),
        "employer": "西安某建筑公司",
    } | extra
    return actions.register_flow(
        by=by, member=member, destination_place=Place.objects.get(code=to), **values
    )
