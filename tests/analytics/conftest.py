"""A hand-built county with hand-countable records, beside the demo's seven."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache

from liudong.core.scope import SYSTEM
from liudong.members.models import FlowRecord
from liudong.orgs import actions as org_actions
from liudong.orgs.models import Organization, OrgKind
from liudong.regions.models import Place
from tests.members.helpers import make_member

LEFT = datetime.date(2024, 3, 1)
HOME = "621102"  # the test county's place (定西市安定区)


@dataclass
class Hand:
    county: Organization
    town1: Organization
    town2: Organization
    branch1: Organization
    branch2: Organization
    station: Organization  # a mobile branch under the county (the station's branch)


def _org(parent: Organization, code: str, name: str, kind: str, **extra: Any) -> Organization:
    return org_actions.create_organization(
        by=SYSTEM, parent=parent, code=code, name=name, short_name=name, kind=kind, **extra
    )


def _flow(member: Any, *, to: str, status: str, origin: str = "620826", **extra: Any) -> Any:
    from liudong.members.actions import flow_scope_between

    values = {
        "member": member,
        "direction": "outflow",
        "flow_scope": flow_scope_between(origin, to),
        "origin_place_id": origin,
        "destination_place_id": to,
        "reason": "work",
        "left_on": LEFT,
        "home_organization": member.home_organization,
        "status": status,
        "is_open": status in ("registered", "managed", "lost"),
        "status_changed_on": LEFT,
        "last_contact_on": datetime.date.today(),
    } | extra
    return FlowRecord.objects.create(**values)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def hand(db: Any, demo: Any) -> Hand:
    """Test county 测试县 with two townships, a branch each and a station branch.

    Branch 1 (township 1): 4 to 西安雁塔 (out of province: managed, managed, registered,
    lost), 3 to 兰州城关 (out of city: managed ×3).
    Branch 2 (township 2): 2 to 崆峒 (out of county: managed, registered), 1 within the
    county (registered), 1 returned (closed: not counted).
    The station: 2 inflow members from 西安 living in the county (managed, registered), and
    1 of 泾川's members attached (co-managed, counted for 泾川).
    """
    root = demo("620800")
    # Its place (安定区, no demo county there) is where its inflow members live: the county
    # of residence counts them (decision 95).
    place = Place.objects.get(code=HOME)
    county = _org(root, "TEST-C", "测试县", OrgKind.COUNTY_COMMITTEE, place=place)
    town1 = _org(county, "TEST-T1", "一镇", OrgKind.TOWNSHIP_COMMITTEE)
    town2 = _org(county, "TEST-T2", "二镇", OrgKind.TOWNSHIP_COMMITTEE)
    branch1 = _org(town1, "TEST-B1", "一村", OrgKind.BRANCH)
    branch2 = _org(town2, "TEST-B2", "二村", OrgKind.BRANCH)
    station = _org(county, "TEST-LD", "测试站", OrgKind.MOBILE_BRANCH)
    phones = iter(range(13900000000, 13900001000))

    def member(home: Organization | None) -> Any:
        if home is None:
            from liudong.members import actions
            from tests.members.helpers import id_number

            made = actions.create_member(
                by=SYSTEM,
                name="王五",
                sex="1",
                ethnicity="01",
                birth_date=None,
                id_number=id_number("610113"),
                phone=str(next(phones)),
                education="21",
                joined_on=datetime.date(2010, 7, 1),
                membership="full",
                home_organization=None,
                home_organization_name="西安市雁塔区某社区党支部",
                home_place=None,
            )
            made.inflow_organization = station
            made.save(update_fields=["inflow_organization"])
            return made
        return make_member(SYSTEM, home, phone=str(next(phones)))

    for status in ("managed", "managed", "registered", "lost"):
        _flow(member(branch1), to="610113", status=status)
    for _i in range(3):
        _flow(member(branch1), to="620102", status="managed")
    _flow(member(branch2), to="620802", status="managed")
    _flow(member(branch2), to="620802", status="registered")
    _flow(member(branch2), to="620826", status="registered")
    _flow(member(branch2), to="610113", status="returned", closed_on=LEFT)
    for status in ("managed", "registered"):
        _flow(
            member(None),
            direction="inflow",
            origin="610113",
            to=HOME,
            status=status,
            home_organization=None,
            inflow_organization=station,
        )
    jingchuan_branch = Organization.objects.filter(
        code__startswith="620821", kind=OrgKind.BRANCH
    ).first()
    _flow(
        member(jingchuan_branch),
        origin="620821",
        to="610113",
        status="managed",
        inflow_organization=station,
    )
    return Hand(county, town1, town2, branch1, branch2, station)
