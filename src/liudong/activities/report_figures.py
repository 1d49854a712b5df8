"""Activities in the monthly report (issue 13 item 6), per station and organization.

The month's activities (starting in the month, local time, not cancelled), by kind; their
sign-ups; the members who attended (scanned or marked); the **attendance rate**: the
signed-up members who attended, of the sign-ups (a member marked present without signing
up counts as attended, not in the rate); the **volunteer hours** recorded at them. An
activity belongs to its organizer (a station's mobile branch, or a branch) and the
organizations above it; it is read through the gate.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, DecimalField, Exists, IntegerField, OuterRef, Q, Subquery, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liudong.activities.models import Activity, ActivityKind, ActivityStatus, Attendance, SignUp
from liudong.core.report_parts import NUMBER, RATE, Column, ReportPart, Unit, register, share
from liudong.core.scope import visible_to


def columns() -> list[Column]:
    return [
        Column("activities", _("Activities held or planned")),
        *[Column(f"kind_{kind.value}", kind.label) for kind in ActivityKind],
        Column("sign_ups", _("Sign-ups")),
        Column("attended", _("Attended")),
        Column("attendance_rate", _("Attendance rate (%)"), RATE),
        Column("volunteer_hours", _("Volunteer hours"), NUMBER),
    ]


def month_rows(user: Any, start: datetime.datetime, end: datetime.datetime) -> list[tuple]:
    """(organizer id, organizer path, kind, sign-ups, attended, signed up and attended,
    volunteer hours) of the month's activities, through the gate."""
    signed = SignUp.objects.filter(activity=OuterRef("activity"), member=OuterRef("member"))
    present = (
        Attendance.objects.filter(activity=OuterRef("pk"))
        .annotate(signed=Exists(signed))
        .values("activity")
        .annotate(
            n=Count("pk"),
            n_signed=Count("pk", filter=Q(signed=True)),
            hours=Sum("volunteer_hours"),
        )
    )
    activities = (
        visible_to(user, Activity.objects.all())
        .filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status=ActivityStatus.CANCELLED)
        .annotate(
            n_sign_ups=Subquery(
                SignUp.objects.filter(activity=OuterRef("pk"))
                .values("activity")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            n_attended=Subquery(present.values("n"), output_field=IntegerField()),
            n_signed_attended=Subquery(present.values("n_signed"), output_field=IntegerField()),
            hours=Subquery(present.values("hours"), output_field=DecimalField()),
        )
    )
    return list(
        activities.values_list(
            "organizer_id",
            "organizer__path",
            "kind",
            "n_sign_ups",
            "n_attended",
            "n_signed_attended",
            "hours",
        )
    )


def figures_of(rows: list[tuple]) -> dict[str, Any]:
    values: dict[str, Any] = {f"kind_{kind.value}": 0 for kind in ActivityKind}
    sign_ups = attended = signed_attended = 0
    hours = 0.0
    for _org, _path, kind, n_sign_ups, n_attended, n_signed, n_hours in rows:
        values[f"kind_{kind}"] = values.get(f"kind_{kind}", 0) + 1
        sign_ups += n_sign_ups or 0
        attended += n_attended or 0
        signed_attended += n_signed or 0
        hours += float(n_hours or 0)
    values.update(
        activities=len(rows),
        sign_ups=sign_ups,
        attended=attended,
        attendance_rate=share(signed_attended, sign_ups),
        volunteer_hours=round(hours, 1),
    )
    return values


def figures(
    user: Any, units: list[Unit], start: datetime.datetime, end: datetime.datetime
) -> dict[str, dict[str, Any]]:
    rows = month_rows(user, start, end)
    return {
        unit.key: figures_of([r for r in rows if unit.holds_organizer(r[0], r[1])])
        for unit in units
    }


register(
    ReportPart(
        "activities",
        gettext_lazy("Activities"),
        columns,
        figures,
        note=gettext_lazy(
            "The month's activities (starting in the month, not cancelled), by kind; their "
            "sign-ups and the members who attended; the attendance rate is the signed-up "
            "members who attended, of the sign-ups; the volunteer hours recorded at them."
        ),
        order=20,
    )
)
