"""The seed's headline figures come out of the full demo under the written definitions
(issue 12 items 1 and 2): 1,854 outflow members served by the 8 liaison stations, 1,321
inflow members served by the 4 service stations, 12 stations, and 泾川's inflow members
counted under 泾川 (the county where they live). The full demo is loaded once, in place of
the test database's small ledger, inside the test's transaction."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from liudong.accounts.models import PhoneCode
from liudong.activities.models import Attendance, SignUp
from liudong.analytics import figures
from liudong.analytics.figures import definitions
from liudong.assistance.models import RequestAttachment, ServiceRequest
from liudong.census.models import CensusConflict, CensusRound, CensusSubmission
from liudong.demo import checkins, ledger, tree
from liudong.members.models import Alert, Contact, FlowRecord, Handoff, Member, Transfer
from liudong.stations.models import CheckIn

pytestmark = pytest.mark.django_db


def _full_demo() -> None:
    """The full-size demo ledger instead of the small one (rolled back after the test)."""
    from liudong.cycle.models import Appraisal, DuesMonth, DuesPayment, DuesSetting
    from liudong.voice.models import JobInterest, NoticeRead, Suggestion, SuggestionAttachment

    for model in (DuesMonth, DuesPayment, DuesSetting, Appraisal):  # the yearly cycle's rows
        model.objects.all().delete()
    for model in (JobInterest, NoticeRead, SuggestionAttachment, Suggestion):  # name members
        model.objects.all().delete()
    RequestAttachment.objects.all().delete()
    ServiceRequest.objects.all().delete()
    CheckIn.objects.all().delete()
    for model in (Attendance, SignUp):  # the demo's activities name members
        model.objects.all().delete()
    PhoneCode.objects.filter(member__isnull=False).delete()
    for model in (Transfer, Alert, Handoff, Contact):
        model.objects.all().delete()
    FlowRecord.objects.all().delete()
    Member.objects.all().delete()
    # The demo ledger enters through the census (decision 102): its rounds go with it.
    for model in (CensusConflict, CensusSubmission, CensusRound):
        model.objects.all().delete()
    ledger._build(ledger.FULL_TOTAL, tree.SEED, timezone.localdate())
    checkins.build_check_ins(seed=tree.SEED)
    cache.clear()


def test_the_seeds_figures_under_the_written_definitions(demo: Any, login: Any) -> None:
    _full_demo()
    city = demo("user:city")
    board = figures.dashboard(city, demo("620800"))
    body = board.as_dict()
    assert body["outflow_under_liaison_stations"] == 1854
    assert body["inflow_under_service_stations"] == 1321
    assert body["stations"]["total"] == 12
    assert body["stations"]["by_kind"] == {"liaison": 8, "service": 4}
    assert set(body["definitions"]) >= {
        "outflow_under_liaison_stations",
        "inflow_under_service_stations",
        "in_province",
        "out_of_province",
        "inflow",
    }
    # The relationship, not the destination: the definition's records are exactly these.
    served = definitions.served_records(city, demo("620800"), definitions.LIAISON)
    assert served.count() == 1854
    assert not served.exclude(destination_place__code__regex=r"^(6201|6101|6401|6501)").exists()
    # Inflow coverage is apart from coverage in province (the city's own outflow only).
    coverage = {c["key"]: c for c in body["coverage"]}
    assert coverage["inflow"]["total"] == body["totals"]["inflow"]["total"] == 1321
    assert (
        coverage["in_province"]["total"] + coverage["out_of_province"]["total"]
        == (body["totals"]["outflow"]["total"])
    )
    # 泾川's inflow members: counted under 泾川, where they live.
    living = FlowRecord.objects.filter(
        is_open=True, direction="inflow", destination_place_id="620821"
    ).count()
    jc = login("jingchuan").get("/api/v1/analytics/dashboard/").json()
    assert jc["totals"]["inflow"]["total"] == living > 0
    # Counties still add up to the city.
    assert sum(r["found"] for r in body["rows"]) == body["members_found"]
