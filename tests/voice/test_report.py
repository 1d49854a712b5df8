"""The members' voice in the monthly report (the report-parts registry, decision 131): the
month's suggestions by the county they are for and per station, answered and adopted, and the
job openings' interest and placements, through the gate."""

from __future__ import annotations

import datetime
import statistics
from typing import Any

import pytest
from django.utils import timezone

from liudong.core.report_parts import Unit, all_parts
from liudong.voice import report_figures
from liudong.voice.models import JobInterest, JobOpening, Outcome, Suggestion, SuggestionStatus

pytestmark = pytest.mark.django_db

WIDE = (
    timezone.make_aware(datetime.datetime(2000, 1, 1)),
    timezone.make_aware(datetime.datetime(2100, 1, 1)),
)


def _unit(org: Any) -> Unit:
    return Unit(org.code, org.name, path=org.path)


def test_the_parts_are_registered() -> None:
    keys = [p.key for p in all_parts()]
    assert "suggestions" in keys and "job_openings" in keys


def test_suggestions_by_county_as_counted_from_the_rows(demo: Any) -> None:
    lingtai, jingchuan = demo("620822"), demo("620821")
    assert Suggestion.objects.filter(county=lingtai).exists()
    found = report_figures.suggestion_figures(
        demo("user:city"), [_unit(lingtai), _unit(jingchuan)], *WIDE
    )
    for county in (lingtai, jingchuan):
        rows = Suggestion.objects.filter(county=county)
        published = rows.filter(status=SuggestionStatus.PUBLISHED, approved_at__isnull=False)
        days = [(s.approved_at - s.submitted_at).total_seconds() / 86400 for s in published]
        figures = found[county.code]
        assert figures["received"] == rows.count()
        assert figures["leads"] == rows.exclude(kind="suggestion").count()
        assert figures["answered"] == published.count()
        assert figures["adopted"] == rows.filter(adopted=True).count()
        expected = round(float(statistics.median(days)), 1) if days else None
        assert figures["median_days"] == expected


def test_a_county_counts_nothing_of_another_county(demo: Any) -> None:
    lingtai = demo("620822")
    found = report_figures.suggestion_figures(demo("user:jingchuan"), [_unit(lingtai)], *WIDE)
    assert found[lingtai.code]["received"] == 0
    jobs = report_figures.job_figures(demo("user:jingchuan"), [_unit(lingtai)], *WIDE)
    assert jobs[lingtai.code] == {"openings": 0, "interest": 0, "placed": 0}


def test_job_openings_per_station_row(demo: Any) -> None:
    opening = JobOpening.objects.select_related("station").first()
    assert opening is not None
    station = opening.station
    unit = Unit(station.code, station.name, station_id=station.pk, branch_id=station.branch_id)
    found = report_figures.job_figures(demo("user:city"), [unit], *WIDE)[station.code]
    assert found["openings"] == JobOpening.objects.filter(station=station).count()
    marks = JobInterest.objects.filter(opening__station=station)
    assert found["interest"] == marks.count()
    assert found["placed"] == marks.filter(outcome=Outcome.PLACED).count()
