"""The members' voice in the monthly report (issue 14 items 1 and 3), per organization row
and per station, through the report-parts registry (decision 131).

Suggestions and leads: those **submitted** in the month, by the county they are for (a
station row: those taken down at the station's meetings); *leads* are the kinds other than
a suggestion; *answered* are those of the month's whose answer has been approved and
published to the member; *days to answer* runs from submission to that approval (its
median); *adopted* those the county marked adopted. Job openings: those **posted** in the
month by the station (a county row: its stations'), the members' interest marked in the
month on any of the unit's openings, and the placements recorded in the month. All read
through the scope gate (``voice/figures.py`` holds the same rules for the dashboard card).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liudong.core.report_parts import NUMBER, RATE, Column, ReportPart, Unit, median, register
from liudong.core.report_parts import share as percent
from liudong.core.scope import visible_to
from liudong.voice.models import JobInterest, JobOpening, Outcome, Suggestion, SuggestionStatus


def suggestion_columns() -> list[Column]:
    return [
        Column("received", _("Suggestions and leads received")),
        Column("leads", _("Development leads")),
        Column("answered", _("Answered (approved)")),
        Column("share_answered", _("Share answered (%)"), RATE),
        Column("median_days", _("Median days to answer"), NUMBER),
        Column("adopted", _("Adopted")),
    ]


def suggestion_figures(
    user: Any, units: list[Unit], start: datetime.datetime, end: datetime.datetime
) -> dict[str, dict[str, Any]]:
    rows = list(
        visible_to(user, Suggestion.objects.all())
        .filter(submitted_at__gte=start, submitted_at__lt=end)
        .values_list(
            "station_id", "county__path", "kind", "status", "submitted_at", "approved_at",
            "adopted",
        )
    )  # fmt: skip
    result: dict[str, dict[str, Any]] = {}
    for unit in units:
        mine = [r for r in rows if unit.holds_station(r[0], (r[1],))]
        answered = [r for r in mine if r[3] == SuggestionStatus.PUBLISHED and r[5] is not None]
        result[unit.key] = {
            "received": len(mine),
            "leads": sum(1 for r in mine if r[2] != "suggestion"),
            "answered": len(answered),
            "share_answered": percent(len(answered), len(mine)),
            "median_days": median([(r[5] - r[4]).total_seconds() / 86400 for r in answered]),
            "adopted": sum(1 for r in mine if r[6]),
        }
    return result


def job_columns() -> list[Column]:
    return [
        Column("openings", _("Job openings posted")),
        Column("interest", _("Interest marked")),
        Column("placed", _("Placed")),
    ]


def job_figures(
    user: Any, units: list[Unit], start: datetime.datetime, end: datetime.datetime
) -> dict[str, dict[str, Any]]:
    station = ("station_id", "station__organization__path", "station__branch__path")
    openings = list(
        visible_to(user, JobOpening.objects.all())
        .filter(posted_at__gte=start, posted_at__lt=end)
        .values_list(*station)
    )
    marks = list(
        visible_to(user, JobInterest.objects.all())
        .filter(marked_at__gte=start, marked_at__lt=end)
        .values_list(*(f"opening__{f}" for f in station))
    )
    placed = list(
        visible_to(user, JobInterest.objects.all())
        .filter(outcome=Outcome.PLACED, outcome_at__gte=start, outcome_at__lt=end)
        .values_list(*(f"opening__{f}" for f in station))
    )

    def count(rows: list[tuple], unit: Unit) -> int:
        return sum(1 for r in rows if unit.holds_station(r[0], r[1:]))

    return {
        unit.key: {
            "openings": count(openings, unit),
            "interest": count(marks, unit),
            "placed": count(placed, unit),
        }
        for unit in units
    }


register(
    ReportPart(
        "suggestions",
        gettext_lazy("Members' suggestions and development leads"),
        suggestion_columns,
        suggestion_figures,
        note=gettext_lazy(
            "Those submitted in the month, by the county they are for (a station's row: those "
            "taken down at its meetings); answered: the answer approved and published to the "
            "member; days to answer: from submission to that approval, the median."
        ),
        order=30,
    )
)
register(
    ReportPart(
        "job_openings",
        gettext_lazy("Job openings"),
        job_columns,
        job_figures,
        note=gettext_lazy(
            "Openings the stations posted in the month; the members' interest marked and the "
            "placements recorded in the month on the unit's openings."
        ),
        order=40,
    )
)
