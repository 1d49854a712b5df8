"""The plan's destination filter and per-city quotas ("县级联动") through the form, the saved
plan's parameters, the command line and the API; bad input refused in words (decision 197)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from liudong.core.errors import DomainError
from liudong.core.scope import SYSTEM
from liudong.members.models import FlowRecord
from liudong.siting import actions, areas
from liudong.siting.models import SitingPlan
from liudong.stations.models import HostSite
from tests.siting.test_pages import _as, run, sites

pytestmark = pytest.mark.django_db


def cities_of(plan: SitingPlan) -> set[str]:
    ids = [s["host_site"] for s in plan.sites]  # nothing kept: every chosen site is a choice
    return set(HostSite.objects.filter(pk__in=ids).values_list("place__parent_id", flat=True))


def test_areas_read_codes_and_names_and_refuse_the_unknown(demo: Any) -> None:
    assert areas.destination_prefix("") == ""
    assert areas.destination_prefix("61") == "61"
    assert areas.destination_prefix("610100") == "6101"
    assert areas.destination_prefix("610113") == "610113"
    assert areas.quotas_from_text("6101: 2\n620100 1") == (("610100", 2), ("620100", 1))
    for text, code in (
        ("火星", "unknown_destination"),
        ("999999", "unknown_destination"),
    ):
        with pytest.raises(DomainError) as caught:
            areas.destination_prefix(text)
        assert caught.value.code == code and caught.value.field == "destination"
    for text, code in (
        ("610113: 1", "unknown_quota_city"),  # a county, not a city
        ("6101: 0", "bad_quota"),
        ("6101", "bad_quota"),
        ("6101: 1\n610100: 2", "duplicate_quota"),
    ):
        with pytest.raises(DomainError) as caught:
            areas.quotas_from_text(text)
        assert caught.value.code == code and caught.value.field == "quotas", text


def test_the_form_saves_the_destination_and_a_quota_that_changes_the_choice(demo: Any) -> None:
    sites(demo)
    client = _as(demo("user:city"), "en")
    free = run(client, name="不限", k="1", keep_existing="")
    assert free.status_code == 302, free.content.decode()[:3000]
    free_plan = SitingPlan.objects.get(name="不限")
    # a quota in a city the free plan did not choose
    target = "620100" if "620100" not in cities_of(free_plan) else "610100"
    bound = run(client, name="配额", k="1", keep_existing="", quotas=f"{target[:4]}: 1")
    assert bound.status_code == 302, bound.content.decode()[:3000]
    plan = SitingPlan.objects.get(name="配额")
    assert plan.params["quotas"] == [[target, 1]]
    assert cities_of(plan) == {target}
    assert plan.covered <= free_plan.covered  # a quota never serves more
    shown = client.get(f"/siting/{plan.pk}/").content.decode()
    assert f"{target} ≥ 1" in shown  # the plan's page says what it was asked
    # the destination filter: only members going to Xi'an (6101) are planned for
    narrow = run(client, name="西安", k="1", keep_existing="", destination="西安市")
    assert narrow.status_code == 302, narrow.content.decode()[:3000]
    plan = SitingPlan.objects.get(name="西安")
    going = FlowRecord.objects.filter(
        is_open=True, direction="outflow", destination_place__code__startswith="6101"
    )
    assert plan.params["destination"] == "6101"
    assert plan.total == going.values("member").distinct().count() > 0


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"destination": "火星"}, "Unknown destination area: 火星"),
        (
            {"quotas": "6101: 5", "keep_existing": ""},
            "The quotas need 5 new sites, more than K (2)",
        ),
        ({"quotas": "610113: 1"}, "is not one"),
        ({"quotas": "6101: x"}, "must be a whole number"),
    ],
)
def test_bad_filters_are_refused_on_the_form(demo: Any, changes: dict, words: str) -> None:
    client = _as(demo("user:city"), "en")
    before = SitingPlan.objects.count()
    answer = run(client, **changes)
    text = answer.content.decode().replace("&#x27;", "'")
    assert answer.status_code == 400 and words in text
    assert SitingPlan.objects.count() == before


def test_a_quota_the_kept_stations_cannot_meet_is_refused_in_words(demo: Any) -> None:
    # kept stations count toward a quota, so the model (not the form) tells this one
    sites(demo)
    with pytest.raises(DomainError) as caught:
        actions.run_plan(
            by=SYSTEM,
            name="x",
            params=actions.PlanParams(k=1, radius_km=30, quotas=(("6101", 20),)),
        )
    assert caught.value.field == "quotas", (caught.value.code, caught.value.message)
    assert caught.value.code in {"quotas_above_k", "quota_too_few_candidates"}
    assert "610100" not in caught.value.message  # the city by its name
    if caught.value.code == "quota_too_few_candidates":
        assert "西安" in caught.value.message or "Xi" in caught.value.message


def test_the_command_takes_a_destination_and_quotas(demo: Any) -> None:
    sites(demo)
    out = io.StringIO()
    call_command(
        "siting",
        "plan",
        "--k",
        "1",
        "--radius-km",
        "30",
        "--no-keep",
        "--destination",
        "62",
        "--quota",
        "6201:1",
        stdout=out,
    )
    assert "K = 1" in out.getvalue()
    assert "None" not in out.getvalue()  # no members out of the province: no share of nobody
    with pytest.raises(CommandError, match="Unknown destination area|未知的去向地区"):
        call_command(
            "siting",
            "plan",
            "--k",
            "1",
            "--radius-km",
            "30",
            "--destination",
            "火星",
            stdout=io.StringIO(),
        )
    with pytest.raises(CommandError, match="more than K|多于 K"):
        call_command(
            "siting",
            "plan",
            "--k",
            "1",
            "--radius-km",
            "30",
            "--no-keep",
            "--quota",
            "6101:3",
            stdout=io.StringIO(),
        )


def test_the_api_takes_a_destination_and_quotas(demo: Any, login: Any) -> None:
    sites(demo)
    client = login("city")
    url = "/api/v1/siting-plans/"
    body = {"name": "接口配额", "k": 1, "radius_km": 30, "keep_existing": False}
    made = client.post(
        url,
        {**body, "destination": "6201", "quotas": [{"area": "兰州市", "minimum": 1}]},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["params"]["quotas"] == [["620100", 1]]
    assert made.json()["params"]["destination"] == "6201"
    bad = client.post(
        url,
        {**body, "quotas": [{"area": "9999", "minimum": 1}]},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 400 and bad.json()["field"] == "quotas"
    assert SitingPlan.objects.filter(name="接口配额").count() == 1


def test_a_destination_keeps_only_the_stations_in_that_area(demo: Any) -> None:
    # Found trying the form from the outside: with the stations kept (the form's default), a
    # plan for the members going to Xi'an kept Lanzhou's stations too, which had none of them
    # to serve, and was refused for "h1" (the model's id of a host site).
    sites(demo)
    client = _as(demo("user:city"), "en")
    answer = run(client, name="西安，保留现有", k="1", destination="6101")
    assert answer.status_code == 302, answer.content.decode()[:3000]
    plan = SitingPlan.objects.get(name="西安，保留现有")
    places = HostSite.objects.filter(pk__in=[s["host_site"] for s in plan.sites]).values_list(
        "place_id", flat=True
    )
    assert places and all(code.startswith("6101") for code in places)
    kept = [s for s in plan.sites if not s["new"]]
    assert kept, "Xi'an's own stations are still kept"


def test_a_kept_station_is_named_in_a_refusal(demo: Any) -> None:
    sites(demo)
    client = _as(demo("user:city"), "en")
    # only members lost to contact: a kept station has fewer than 3 full ones in its radius
    answer = run(client, name="失联", k="1", statuses="lost")
    text = answer.content.decode().replace("&#x27;", "'")
    assert answer.status_code == 400
    assert "kept station" in text
    assert re.search(r"kept station h\d+", text) is None
    names = HostSite.objects.values_list("name", flat=True)
    assert any(f"kept station {name}" in text for name in names)
