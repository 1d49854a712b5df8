"""Census pages: progress by county, upload → preview → commit, downloads, who may."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from liudong.census.models import CensusConflict, CensusRound, CensusSubmission
from liudong.demo.census import ROUND_NAME
from liudong.members.models import Member

from .conftest import fresh_ids, row, upload, workbook_bytes


def english(client: Any) -> Any:
    client.cookies["liudong_language"] = "en"
    return client


def demo_round() -> CensusRound:
    return CensusRound.objects.get(name=ROUND_NAME)


def test_city_watches_every_county(login: Any) -> None:
    response = english(login("city")).get(f"/census/rounds/{demo_round().pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    for name in ("中共泾川县委员会", "中共灵台县委员会", "中共华亭市委员会"):
        assert name in text
    assert "Not submitted" in text and "Committed" in text and "Checked, awaiting commit" in text
    rows = {r.county.code: r for r in response.context["rows"]}
    assert rows["620821"].members_found > 0 and rows["620821"].conflicts_open == 1
    assert response.context["totals"]["submitted"] == 5


def test_county_sees_only_itself(login: Any) -> None:
    response = login("jingchuan").get(f"/census/rounds/{demo_round().pk}/")
    assert [r.county.code for r in response.context["rows"]] == ["620821"]
    other = CensusSubmission.objects.get(round=demo_round(), county__code="620822")
    assert login("jingchuan").get(f"/census/submissions/{other.pk}/").status_code == 404
    assert login("jingchuan").post(f"/census/submissions/{other.pk}/commit/").status_code == 404


def test_branch_secretary_has_no_census_pages(login: Any) -> None:
    assert login("secretary_jc").get("/census/").status_code == 403


def test_upload_preview_commit_in_the_browser_flow(login: Any, branch: Any) -> None:
    client = english(login("jingchuan"))
    census_round = demo_round()
    ids = fresh_ids(3)
    rows = [row(id_number=i, organization=branch.name) for i in ids]
    rows[1]["reason"] = "去火星"
    response = client.post(
        f"/census/rounds/{census_round.pk}/upload/",
        {"county": branch.parent.parent.pk, "file": upload(workbook_bytes(rows))},
    )
    assert response.status_code == 302, response.content[:500]
    page = client.get(response["Location"])
    text = page.content.decode()
    submission = page.context["submission"]
    assert submission.rows_new == 2 and submission.rows_rejected == 1
    assert "去火星" in text and "Reason" not in text or "流动原因" in text
    assert "Commit 2 rows" in text
    errors = client.get(f"/census/submissions/{submission.pk}/errors.xlsx")
    assert errors.status_code == 200
    assert load_workbook(io.BytesIO(errors.content))["摸排数据"]["O3"].comment is not None
    before = Member.objects.count()
    client.post(f"/census/submissions/{submission.pk}/commit/")
    submission.refresh_from_db()
    assert submission.state == "committed"
    assert Member.objects.count() == before + 2


def test_upload_of_a_wrong_file_shows_the_message(login: Any) -> None:
    client = english(login("jingchuan"))
    response = client.post(
        f"/census/rounds/{demo_round().pk}/upload/",
        {"file": upload(b"%PDF-1.4 not a workbook", "scan.pdf")},
    )
    assert response.status_code == 200
    assert "This is not a spreadsheet file" in response.content.decode()


def test_template_download(login: Any) -> None:
    response = login("lingtai").get("/census/template/")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert "摸排数据" in book.sheetnames
    assert login("lingtai").get("/census/template/?county=620821").status_code == 404


def test_progress_partial_reloads_when_done(login: Any) -> None:
    submission = CensusSubmission.objects.get(round=demo_round(), county__code="620821")
    response = login("jingchuan").get(f"/census/submissions/{submission.pk}/progress/?running=1")
    assert response.status_code == 204 and response["HX-Refresh"] == "true"


def test_only_the_city_decides_conflicts(login: Any) -> None:
    conflict = CensusConflict.objects.filter(submission__county__code="620821").first()
    assert login("jingchuan").get(f"/census/conflicts/{conflict.pk}/").status_code == 403
    listing = login("jingchuan").get("/census/conflicts/").content.decode()
    assert conflict.name in listing
    # The county is told "elsewhere", not whose member it is.
    assert conflict.existing_member.home_label not in listing
    city = english(login("city"))
    assert city.get(f"/census/conflicts/{conflict.pk}/").status_code == 200
    response = city.post(f"/census/conflicts/{conflict.pk}/", {"decision": "dismiss", "note": "x"})
    assert response.status_code == 302
    conflict.refresh_from_db()
    assert conflict.state == "dismissed"


def test_city_opens_and_closes_a_round(login: Any) -> None:
    city = login("city")
    response = city.post("/census/", {"name": "2025 第一轮摸排", "deadline": "2099-01-01"})
    assert response.status_code == 302
    created = CensusRound.objects.get(name="2025 第一轮摸排")
    assert (
        login("jingchuan").post("/census/", {"name": "x", "deadline": "2099-01-01"}).status_code
        == 403
    )
    city.post(f"/census/rounds/{created.pk}/close/")
    created.refresh_from_db()
    assert created.state == "closed"


def test_results_export(login: Any) -> None:
    response = login("jingchuan").get(f"/census/rounds/{demo_round().pk}/export/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["摸排数据"]
    assert sheet.max_row > 1
    assert (
        login("jingchuan")
        .get(f"/census/rounds/{demo_round().pk}/export/?county=620822")
        .status_code
        == 404
    )
