"""The demo's candidate host sites, and a plan of 8 liaison sites at 30 km against the actual 8."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from liudong.core.scope import SYSTEM
from liudong.demo.siting import HOST_SITES, build_host_sites
from liudong.siting import optimizer as opt
from liudong.siting import planning, queries
from liudong.stations.models import HostSite, Station

pytestmark = pytest.mark.django_db


def test_the_candidates_hold_the_eight_liaison_sites_and_thirty_more(demo: Any) -> None:
    assert build_host_sites() == len(HOST_SITES) >= 30
    assert build_host_sites() == 0  # idempotent
    sites = queries.candidate_sites(None, keep_existing=False)
    liaison = Station.objects.filter(kind="liaison", status="open")
    assert liaison.count() == 8
    existing = {s.host_site for s in sites if s.candidate.existing}
    assert existing == set(liaison.values_list("host_site_id", flat=True))
    cities = {HostSite.objects.get(name=name).place.parent_id for name, *_rest in HOST_SITES}
    assert {"620100", "610100", "640100", "650100"} <= cities and len(cities) >= 6


def test_eight_sites_at_30_km_against_the_actual_eight(demo: Any) -> None:
    build_host_sites()
    result = planning.run(SYSTEM, k=8, radius_km=30, keep_existing=False)
    assert result.plan.status == opt.OPTIMAL and result.plan.gap == 0
    assert len(result.plan.chosen) <= 8
    assert result.before is not None  # the actual 8, as they are
    assert result.covered >= result.before.covered
    out = io.StringIO()
    call_command("siting", "plan", "--k", "8", "--radius-km", "30", "--no-keep", stdout=out)
    text = out.getvalue()
    more = result.covered - result.before.covered
    assert f"{result.before.covered} " in text and f"{result.covered} " in text
    assert f"{more} " in text and more > 0  # the demo's actual 8 are not the best 8 at 30 km


def test_the_demo_saves_a_plan_for_the_city_and_two_counties(demo: Any) -> None:
    from liudong.demo.siting import PLANS, build_plans
    from liudong.siting.models import SitingPlan

    assert build_plans() == 0  # built with the test database; idempotent by name
    assert {p.organization.code for p in SitingPlan.objects.all()} >= {c for c, *_x in PLANS}
    SitingPlan.objects.filter(organization__code="620800").delete()
    build_host_sites()
    assert build_plans() == 1
    city = SitingPlan.objects.get(organization__code="620800")
    assert city.k == 8 and city.radius_km == 30 and city.status == "optimal"
    assert city.covered >= (city.covered_before or 0)
