"""The monthly report's service parts (issue 13 item 6): service requests and activities per
organization row, per station and for the whole, from the registry the apps fill; figures
on hand-made data (medians in working days, on time, satisfaction, attendance rate), the
gate, the page and the .xlsx in Chinese and English, and the dashboard cards."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from liudong.activities import actions as activity_actions
from liudong.activities.models import Activity, ActivityKind
from liudong.analytics import reports
from liudong.assistance import actions
from liudong.assistance import cards as request_cards
from liudong.assistance import report_figures as request_figures
from liudong.assistance.models import RequestAttachment, ServiceRequest
from liudong.core.report_parts import all_parts, month_bounds
from tests.activities.helpers import NOW, at, attached_member, planned, staff_of
from tests.stations.helpers import member_with_account, station

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()


def local(day: int, hour: int = 10, month: int = 3) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, month, day, hour), TZ)


def test_the_apps_register_their_parts() -> None:
    keys = [p.key for p in all_parts()]
    assert keys[:2] == ["service_requests", "activities"]  # first, in their order


def _row(submitted, accepted=None, resolved=None, rated=None, rating=None, resolve_by=None,
         status="resolved", kind="policy", refused=None):  # fmt: skip
    return (1, "/1/", "/1/2/", kind, status, submitted, accepted, resolved, refused, rated,
            rating, resolve_by or submitted + datetime.timedelta(days=18))  # fmt: skip


def test_request_figures_on_hand_made_rows(db: Any) -> None:
    """Working days as the deadlines count them (March 2026 has no holiday): Monday 2
    March → Wednesday 4 March is 2; → Wednesday 25 March is 17."""
    start, end = month_bounds(2026, 3)
    rows = [
        _row(
            local(2),
            accepted=local(4),
            resolved=local(6),
            rated=local(7),
            rating=5,
            resolve_by=local(20),
        ),  # fmt: skip
        _row(
            local(2),
            accepted=local(2, 15),
            resolved=local(25),
            rated=local(26),
            rating=4,
            resolve_by=local(20),
            kind="legal_aid",
        ),  # fmt: skip
        _row(local(2), accepted=local(5), status="in_progress", resolved=None, kind="other"),
        _row(local(2), status="refused", refused=local(3), kind="other"),
        # received in February, resolved in March: not received this month
        _row(
            local(20, month=2), accepted=local(23, month=2), resolved=local(3), resolve_by=local(13)
        ),  # fmt: skip
    ]
    values = request_figures.figures_of(rows, start, end)
    assert values["received"] == 4
    assert (values["kind_policy"], values["kind_legal_aid"], values["kind_other"]) == (1, 1, 2)
    assert (values["resolved"], values["refused"]) == (3, 1)
    # accepted in March: 2, 0, 3 working days → median 2
    assert values["median_accept_days"] == 2
    # resolved in March: 4, 17 and (20 Feb → 3 Mar) 7 working days → median 7
    assert values["median_resolve_days"] == 7
    # on time: 6 ≤ 20 yes, 25 > 20 no, 3 ≤ 13 yes → 2 of 3
    assert values["on_time"] == 66.7
    assert (values["rating_mean"], values["rating_count"]) == (4.5, 2)


def test_no_rows_give_no_medians(db: Any) -> None:
    start, end = month_bounds(2026, 3)
    values = request_figures.figures_of([], start, end)
    assert values["median_accept_days"] is None and values["on_time"] is None
    assert values["rating_mean"] is None and values["received"] == 0


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    def freeze(moment: datetime.datetime) -> datetime.datetime:
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    freeze(NOW)
    return freeze


@pytest.fixture
def month(clock: Any, demo: Any) -> dict[str, Any]:
    """March 2026 (NOW is Monday 2 March): at ST05 (泾川's) a request resolved on time and
    rated 4, one refused; at ST06 (灵台's) one received; an activity of ST05 with two
    sign-ups, one of whom attended (2.5 volunteer hours), and one cancelled."""
    RequestAttachment.objects.all().delete()
    ServiceRequest.objects.all().delete()
    Activity.objects.all().delete()
    user5, _m5, _f5 = member_with_account(demo, county="620821", to="610113")
    user6, _m6, _f6 = member_with_account(demo, county="620822", to="610112")
    staff5 = staff_of(5)
    done, _ = actions.submit_request(by=user5, station=station(5), kind="policy", description="a")
    actions.accept_request(by=staff5, request=done)
    clock(at(days=3))  # Thursday: 3 working days after Monday
    actions.resolve_request(by=staff5, request=done, outcome="已解答")
    actions.rate_request(by=user5, request=done, rating=4)
    refused, _ = actions.submit_request(by=user5, station=station(5), kind="other", description="b")
    actions.refuse_request(by=staff5, request=refused, reason="不属于本站服务范围")
    actions.submit_request(by=user6, station=station(6), kind="other", description="c")
    clock(NOW)
    one, member_one = attached_member(demo, 5)
    two, member_two = attached_member(demo, 5)
    activity = planned(
        5, starts_in=60 * 24 * 2, title="三月志愿服务", kind=ActivityKind.VOLUNTEER_SERVICE
    )
    cancelled = planned(5, starts_in=60 * 24 * 3, title="取消的学习")
    activity_actions.cancel_activity(by=staff5, activity=cancelled, reason="天气")
    activity_actions.sign_up(by=one, activity=activity)
    activity_actions.sign_up(by=two, activity=activity)
    clock(at(60 * 24 * 2 + 30))
    activity_actions.mark_attendance(
        by=staff5, activity=activity, member=member_one, volunteer_hours="2.5"
    )
    clock(at(days=10))
    return {"done": done}


def _part(report: Any, key: str) -> Any:
    return next(p for p in report.parts if p.key == key)


def test_county_report_per_station_and_county(month: dict[str, Any], demo: Any) -> None:
    report = reports.monthly_report(demo("user:jingchuan"), demo("620821"), 2026, 3)
    requests = _part(report, "service_requests")
    assert [s["organization"] for s in requests.stations] == ["620800-ST05"]
    st05 = requests.stations[0]
    assert (st05["received"], st05["resolved"], st05["refused"]) == (2, 1, 1)
    assert st05["median_accept_days"] == 0 and st05["median_resolve_days"] == 3
    assert st05["on_time"] == 100.0
    assert (st05["rating_mean"], st05["rating_count"]) == (4.0, 1)
    assert requests.total["received"] == 2  # the county: its station, not 灵台's
    activities = _part(report, "activities")
    row = activities.stations[0]
    assert (row["activities"], row["kind_volunteer_service"]) == (1, 1)  # the cancelled one not
    assert (row["sign_ups"], row["attended"], row["attendance_rate"]) == (2, 1, 50.0)
    assert row["volunteer_hours"] == 2.5
    assert activities.total["attendance_rate"] == 50.0


def test_another_county_sees_only_the_stations_it_runs(month: dict[str, Any], demo: Any):
    report = reports.monthly_report(demo("user:lingtai"), demo("620822"), 2026, 3)
    requests = _part(report, "service_requests")
    assert [s["organization"] for s in requests.stations] == ["620800-ST06"]
    assert requests.total["received"] == 1 and requests.total["resolved"] == 0
    assert _part(report, "activities").total["activities"] == 0


def test_the_city_report_has_every_county_and_station(month: dict[str, Any], demo: Any):
    report = reports.monthly_report(demo("user:city"), demo("620800"), 2026, 3)
    requests = _part(report, "service_requests")
    assert len(requests.stations) == 12
    assert requests.total["received"] == 3
    by_row = {r["organization"]: r for r in requests.rows}
    assert by_row["620821"]["received"] == 2 and by_row["620822"]["received"] == 1
    assert report.as_dict()["parts"]["activities"]["total"]["sign_ups"] == 2


def _client(demo: Any, username: str, language: str) -> Client:
    client = Client()
    client.force_login(demo(f"user:{username}"))
    if language == "en":
        client.cookies.load({"liudong_language": "en"})
    return client


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize(("username", "org"), [("jingchuan", "620821"), ("city", "620800")])
def test_report_page_and_xlsx(
    month: dict[str, Any], demo: Any, username: str, org: str, language: str
) -> None:
    client = _client(demo, username, language)
    page = client.get(f"/statistics/reports/?org={org}&month=2026-03")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="report-part-service_requests"' in html and 'id="report-part-activities"' in html
    assert 'data-station="620800-ST05"' in html
    words = (
        ("Service requests", "Median working days to resolve", "Attendance rate (%)")
        if language == "en"
        else ("服务诉求", "办结用时中位数（工作日）", "参加率(%)")
    )
    for word in words:
        assert word in html, word
    response = client.get(f"/statistics/reports/?org={org}&month=2026-03&format=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[1:3] == [words[0], "Activities" if language == "en" else "活动"]
    sheet = book[words[0]]
    header = [c.value for c in sheet[3]]
    assert words[1] in header
    labels = [row[0].value for row in sheet.iter_rows(min_row=4)]
    assert "平凉市驻西安雁塔区流动党员联络站" in labels


def test_dashboard_cards(month: dict[str, Any], demo: Any) -> None:
    clock_now = timezone.now()
    assert clock_now.month == 3
    figure = request_cards.dashboard_figures(demo("user:jingchuan"), demo("620821"))
    assert (figure["open"], figure["on_time"], figure["rating_mean"]) == (0, 100.0, 4.0)
    figure = request_cards.dashboard_figures(demo("user:lingtai"), demo("620822"))
    assert (figure["open"], figure["overdue"], figure["on_time"]) == (1, 1, None)
    client = _client(demo, "jingchuan", "zh")
    html = client.get("/statistics/dashboard/").content.decode()
    assert 'data-figure="requests_open"' in html and 'data-figure="attendance_rate"' in html
