"""Working days from the holiday calendar: deadlines across a holiday and an adjusted working
day, years without a calendar, and the seed from chinesecalendar (no network)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from liudong.codes import workdays
from liudong.codes.models import CalendarDay, CalendarDayKind

D = datetime.date
pytestmark = pytest.mark.django_db


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 30)))


def test_the_seed_has_2026_national_day_and_its_adjusted_workdays() -> None:
    holidays = set(
        CalendarDay.objects.filter(
            kind=CalendarDayKind.HOLIDAY, date__range=(D(2026, 9, 1), D(2026, 10, 31))
        ).values_list("date", flat=True)
    )
    assert {D(2026, 10, d) for d in range(1, 8)} <= holidays
    worked = set(
        CalendarDay.objects.filter(kind=CalendarDayKind.WORKDAY, date__year=2026).values_list(
            "date", flat=True
        )
    )
    # Sunday 20 September and Saturday 10 October 2026 are worked (调休).
    assert {D(2026, 9, 20), D(2026, 10, 10)} <= worked
    assert CalendarDay.objects.get(date=D(2026, 10, 1)).name == "国庆节"


def test_days_are_classified_by_the_table() -> None:
    assert not workdays.is_working_day(D(2026, 10, 1))  # Thursday, National Day
    assert workdays.is_working_day(D(2026, 10, 10))  # Saturday, adjusted working day
    assert workdays.is_working_day(D(2026, 10, 9))  # Friday
    assert not workdays.is_working_day(D(2026, 10, 11))  # Sunday


def test_a_deadline_across_national_day_skips_the_holiday_and_counts_the_saturday() -> None:
    start = at(D(2026, 9, 30))  # Wednesday before the holiday
    # Working days after 30 Sep: 8 Oct? no, 1–7 are holidays; 8 Oct (Thu), 9 Oct (Fri),
    # 10 Oct (Sat, adjusted), 12 Oct (Mon).
    assert workdays.add_working_days(start, 1) == at(D(2026, 10, 8))
    assert workdays.add_working_days(start, 2) == at(D(2026, 10, 9))
    assert workdays.add_working_days(start, 3) == at(D(2026, 10, 10))
    assert workdays.add_working_days(start, 4) == at(D(2026, 10, 12))
    assert workdays.add_working_days(D(2026, 9, 30), 2) == D(2026, 10, 9)
    # Without the calendar it would be plain weekdays: 1 and 2 October.
    assert workdays.add_working_days(start, 2) != at(D(2026, 10, 2))


def test_a_sunday_made_a_working_day_counts() -> None:
    # Friday 18 September 2026 + 1 working day is Sunday 20 September (adjusted).
    assert workdays.add_working_days(D(2026, 9, 18), 1) == D(2026, 9, 20)
    assert workdays.add_working_days(D(2026, 9, 18), 2) == D(2026, 9, 21)


def test_a_start_on_a_holiday_counts_from_the_next_working_day() -> None:
    assert workdays.add_working_days(at(D(2026, 10, 3)), 1) == at(D(2026, 10, 8))
    assert workdays.add_working_days(at(D(2026, 10, 3)), 0) == at(D(2026, 10, 3))


def test_working_days_between_is_the_inverse() -> None:
    start = at(D(2026, 9, 28))
    for n in range(0, 25):
        end = workdays.add_working_days(start, n)
        assert workdays.working_days_between(start, end) == n
    assert workdays.working_days_between(D(2026, 10, 1), D(2026, 10, 7)) == 0
    assert workdays.working_days_between(D(2026, 10, 7), D(2026, 10, 1)) == 0


def test_a_year_without_entries_is_monday_to_friday_and_said_missing() -> None:
    assert workdays.calendar_missing(2031)
    assert not workdays.calendar_missing(2026)
    # 1 October 2031 is a Wednesday: a working day while the year's calendar is missing.
    assert workdays.is_working_day(D(2031, 10, 1))
    assert workdays.add_working_days(D(2031, 10, 3), 1) == D(2031, 10, 6)  # Fri → Mon
    assert workdays.missing_years([at(D(2026, 5, 1)), at(D(2031, 1, 2)), None]) == [2031]


def test_an_administrator_adds_a_new_year_and_the_answer_changes_at_once() -> None:
    assert workdays.is_working_day(D(2031, 10, 1))
    CalendarDay.objects.create(date=D(2031, 10, 1), kind=CalendarDayKind.HOLIDAY, name="国庆节")
    CalendarDay.objects.create(
        date=D(2031, 9, 28), kind=CalendarDayKind.WORKDAY, name="国庆节"
    )  # a Sunday
    assert not workdays.is_working_day(D(2031, 10, 1))
    assert workdays.is_working_day(D(2031, 9, 28))
    assert not workdays.calendar_missing(2031)
    assert workdays.add_working_days(D(2031, 9, 30), 1) == D(2031, 10, 2)


def test_the_admin_lists_and_adds_calendar_days(login: Any) -> None:
    client = login("city")
    assert client.get("/admin/codes/calendarday/").status_code == 200
    response = client.post(
        "/admin/codes/calendarday/add/",
        {"date": "2031-01-01", "kind": "holiday", "name": "元旦"},
    )
    assert response.status_code == 302, response.content[:500]
    assert CalendarDay.objects.filter(date=D(2031, 1, 1)).exists()


def test_the_seed_is_idempotent() -> None:
    before = CalendarDay.objects.count()
    assert workdays.seed_from_package(CalendarDay) == 0
    assert CalendarDay.objects.count() == before > 700


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        workdays.add_working_days(D(2026, 1, 5), -1)


def test_load_codes_puts_back_the_packages_days() -> None:
    from django.core.management import call_command

    CalendarDay.objects.filter(date__year=2026).delete()
    assert workdays.calendar_missing(2026)
    call_command("load_codes", verbosity=0)
    assert not workdays.calendar_missing(2026)
    assert not workdays.is_working_day(D(2026, 10, 1))


def test_the_command_enters_a_years_announcement(tmp_path: Any) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from liudong.core.models import AuditEvent

    text = tmp_path / "2031.txt"
    text.write_text(
        "# 2031 (an example)\n2031-01-01 holiday 元旦\n"
        "2031-10-01..2031-10-07 holiday 国庆节\n2031-09-28 workday 国庆节\n",
        encoding="utf-8",
    )
    out = StringIO()
    call_command("calendar", "import", str(text), "--dry-run", stdout=out)
    assert workdays.calendar_missing(2031) and "9 days checked" in out.getvalue()
    call_command("calendar", "import", str(text), stdout=out)
    assert "added 9" in out.getvalue()
    assert not workdays.calendar_missing(2031)
    assert workdays.add_working_days(D(2031, 9, 30), 1) == D(2031, 10, 8)
    assert AuditEvent.objects.filter(verb="calendar.set_days").exists()
    call_command("calendar", "import", str(text), stdout=out)
    assert "unchanged 9" in out.getvalue()
    bad = tmp_path / "bad.txt"
    bad.write_text("2031-02-30 holiday 错\n", encoding="utf-8")
    with pytest.raises(CommandError, match="(Line|第) 1"):
        call_command("calendar", "import", str(bad))
    bad.write_text("2031-02-01 party 错\n", encoding="utf-8")
    with pytest.raises(CommandError, match="(Line|第) 1"):
        call_command("calendar", "import", str(bad))


def test_only_the_city_administrator_sets_calendar_days(demo: Any) -> None:
    from liudong.codes import actions
    from liudong.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.set_calendar_days(
            by=demo("user:jingchuan"), days=[(D(2031, 1, 1), "holiday", "元旦")]
        )
    assert actions.set_calendar_days(
        by=demo("user:city"), days=[(D(2031, 1, 1), "holiday", "元旦")]
    ) == {"added": 1, "changed": 0, "unchanged": 0}


def test_another_processs_change_is_read_after_the_cache_time(monkeypatch: Any) -> None:
    import time

    assert workdays.is_working_day(D(2032, 10, 1))  # a Friday, no 2032 calendar yet
    # A write that sends no signal stands for another process's change.
    CalendarDay.objects.bulk_create([CalendarDay(date=D(2032, 10, 1), kind="holiday")])
    assert workdays.is_working_day(D(2032, 10, 1))  # still the kept answer
    later = time.monotonic() + workdays.CACHE_SECONDS + 1
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert not workdays.is_working_day(D(2032, 10, 1))
