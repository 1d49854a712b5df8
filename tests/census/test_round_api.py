"""The census read API (issue 12, item 3): rounds with the people they found, whether every
county committed, each county's state; scoped through the gate; the dashboard's
``members_found`` is the latest complete round's."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from liudong.census import queries
from liudong.census.models import CensusEntry, CensusRound, CensusSubmission, SubmissionState
from liudong.core.scope import SYSTEM
from liudong.orgs.models import Organization, OrgKind

from .conftest import fresh_ids, row, workbook_bytes

pytestmark = pytest.mark.django_db


def _counties() -> list[Organization]:
    return list(Organization.objects.filter(kind=OrgKind.COUNTY_COMMITTEE).order_by("code"))


def _hand_made_round(name: str, people: dict[str, int], skip: str = "") -> CensusRound:
    """A round whose counties committed ``people[code]`` persons (default 2), one file each;
    ``skip``: a county that has not committed (only a checked file)."""
    census_round = CensusRound.objects.create(
        name=name, deadline=datetime.date.today() + datetime.timedelta(days=9)
    )
    for county in _counties():
        state = SubmissionState.VALIDATED if county.code == skip else SubmissionState.COMMITTED
        n = people.get(county.code, 2)
        sub = CensusSubmission.objects.create(
            round=census_round,
            county=county,
            file_name="x.xlsx",
            state=state,
            rows_total=n,
            rows_new=n,
        )
        CensusEntry.objects.bulk_create(
            CensusEntry(
                submission=sub,
                row_number=i + 2,
                id_number_index=f"{name}-{county.code}-{i}",
                outcome="new",
            )
            for i in range(n)
        )
    return census_round


def test_rounds_list_every_round_with_its_figures(login: Any) -> None:
    made = _hand_made_round("API 完成轮", {"620821": 5})
    body = login("city").get("/api/v1/census/rounds/").json()
    found = {r["id"]: r for r in body["results"]}
    mine = found[made.pk]
    assert mine["complete"] is True
    assert mine["members_found"] == 5 + 2 * 6
    assert len(mine["counties"]) == 7
    jingchuan = next(c for c in mine["counties"] if c["code"] == "620821")
    assert jingchuan == {
        "code": "620821",
        "name": jingchuan["name"],
        "status": "committed",
        "committed": True,
        "files": 1,
        "rows_committed": 5,
    }
    assert body["latest_complete"] == made.pk
    assert [r["id"] for r in body["results"]] == sorted(found, reverse=True)


def test_a_round_with_a_county_missing_is_not_complete(login: Any) -> None:
    complete = _hand_made_round("API 完成轮 A", {})
    partial = _hand_made_round("API 未完成轮 B", {}, skip="620822")
    body = login("city").get(f"/api/v1/census/rounds/{partial.pk}/").json()
    assert body["complete"] is False
    assert body["members_found"] == 2 * 6  # the checked file found nobody yet
    lingtai = next(c for c in body["counties"] if c["code"] == "620822")
    assert lingtai["status"] == "validated" and lingtai["rows_committed"] == 0
    # The most recent complete round is the earlier one, although a later one exists.
    assert queries.latest_complete_round().pk == complete.pk


def test_a_county_sees_its_own_county_only(login: Any) -> None:
    made = _hand_made_round("API 县级", {"620821": 4, "620822": 7})
    body = login("jingchuan").get(f"/api/v1/census/rounds/{made.pk}/").json()
    assert [c["code"] for c in body["counties"]] == ["620821"]
    assert body["members_found"] == 4
    assert body["complete"] is True  # a fact of the round, whoever asks
    assert login("lingtai").get(f"/api/v1/census/rounds/{made.pk}/").json()["members_found"] == 7


def test_unknown_round_and_roles_without_the_census(login: Any) -> None:
    assert login("city").get("/api/v1/census/rounds/999999/").status_code == 404
    response = login("station01").get("/api/v1/census/rounds/")
    assert response.status_code == 403


def test_dashboard_members_found_is_the_latest_complete_rounds(login: Any) -> None:
    made = _hand_made_round("API 看板", {"620821": 3})
    _hand_made_round("API 看板之后未完成", {"620821": 50}, skip="620881")
    for user in ("city", "jingchuan"):
        client = login(user)
        rounds = client.get("/api/v1/census/rounds/").json()
        latest = next(r for r in rounds["results"] if r["id"] == rounds["latest_complete"])
        assert latest["id"] == made.pk
        board = client.get("/api/v1/analytics/dashboard/").json()
        assert board["members_found"] == latest["members_found"]
        assert board["members_found_round"]["id"] == made.pk
    assert login("jingchuan").get("/api/v1/analytics/dashboard/").json()["members_found"] == 3


def test_a_real_commit_counts_in_its_round(run_file: Any, branch: Any, census_round: Any) -> None:
    ids = fresh_ids(3)
    submission = run_file(workbook_bytes([row(id_number=i, organization=branch.name) for i in ids]))
    from liudong.census import actions

    actions.request_commit(by=SYSTEM, submission=submission)
    actions.run_commit(submission.pk)
    (figures,) = queries.round_figures(SYSTEM, [census_round])
    assert figures.members_found == 3 and figures.complete is False
