"""The yearly appraisal (民主评议): the city's window, the living side's input (prefilled
from what the platform recorded), the home branch's result."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import DomainError, PermissionDenied
from liudong.core.scope import CHANGE, can_see, may, require_actor, user_of
from liudong.cycle.actions.common import not_found, open_flow, require_city, text
from liudong.cycle.models import Appraisal, AppraisalResult, AppraisalWindow
from liudong.members.models import Member


@transaction.atomic
def set_window(
    *, by: Any, year: Any, opens: datetime.date, closes: datetime.date
) -> AppraisalWindow:
    """The city opens (or moves) the year's window."""
    require_city(by)
    try:
        year_value = int(year)
    except (TypeError, ValueError):
        year_value = 0
    if not 2000 <= year_value <= 2100:
        raise DomainError("invalid_year", _("Give a year."), "year")
    if opens is None or closes is None or closes < opens:
        raise DomainError("invalid_window", _("The window must close after it opens."), "closes")
    with audit.action("appraisal.window", actor=by):
        window, _new = AppraisalWindow.objects.update_or_create(
            year=year_value, defaults={"opens": opens, "closes": closes}
        )
    return window


def open_window(day: datetime.date | None = None) -> AppraisalWindow | None:
    """The window open on ``day`` (today), if any."""
    day = day or timezone.localdate()
    return AppraisalWindow.objects.filter(opens__lte=day, closes__gte=day).order_by("-year").first()


def _in_window(year: int) -> AppraisalWindow:
    today = timezone.localdate()
    window = AppraisalWindow.objects.filter(year=year).first()
    if window is None or not window.is_open(today):
        raise DomainError(
            "window_closed",
            _("The appraisal input for %(year)s is not open now.") % {"year": year}
            + (
                " "
                + _("It is open from %(opens)s to %(closes)s.")
                % {"opens": f"{window.opens:%Y-%m-%d}", "closes": f"{window.closes:%Y-%m-%d}"}
                if window
                else ""
            ),
            "year",
        )
    return window


def _count(value: Any, field: str) -> int:
    try:
        found = int(value)
    except (TypeError, ValueError):
        found = -1
    if not 0 <= found <= 999:
        raise DomainError(f"invalid_{field}", _("Give a whole number from 0 to 999."), field)
    return found


def _hours(value: Any) -> Decimal:
    try:
        found = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        found = Decimal(-1)
    if not Decimal(0) <= found <= Decimal(9999):
        raise DomainError(
            "invalid_volunteer_hours", _("Give the hours, like 12.5."), "volunteer_hours"
        )
    return found


@transaction.atomic
def give_input(
    *,
    by: Any,
    member: Member,
    year: int | None = None,
    activities_attended: Any,
    volunteer_hours: Any,
    services_given: Any,
    remark: str = "",
) -> Appraisal:
    """The side where the member lives gives its input, once a year and only in the window
    (a second time: edit it, :func:`edit_input`)."""
    flow = open_flow(by, member)
    window = _in_window(year or timezone.localdate().year)
    if flow.inflow_organization is None:
        raise DomainError(
            "no_living_side",
            _("This member lives where no station or branch of ours keeps them."),
            "member",
        )
    row = Appraisal(member=member, flow=flow, year=window.year)
    if not may(by, row, "give_input"):
        raise PermissionDenied(
            "not_living_side",
            _("Only the station or branch where the member lives gives this input."),
        )
    if Appraisal.objects.filter(member=member, year=window.year).exists():
        raise DomainError(
            "input_given",
            _("The input for %(year)s was given already: edit it instead.") % {"year": window.year},
            "year",
        )
    row.input_organization = flow.inflow_organization
    row.activities_attended = _count(activities_attended, "activities_attended")
    row.volunteer_hours = _hours(volunteer_hours)
    row.services_given = _count(services_given, "services_given")
    row.remark = text(remark, "remark", 500)
    row.input_by = user_of(by)
    row.input_at = timezone.now()
    try:
        with audit.action("appraisal.input", actor=by), transaction.atomic():
            row.save()
    except IntegrityError:
        raise DomainError(
            "input_given", _("The input was given at the same moment by someone else."), "year"
        ) from None
    from liudong.cycle import notify

    notify.input_given(row, by=by)
    return row


@transaction.atomic
def edit_input(
    *,
    by: Any,
    appraisal: Appraisal,
    activities_attended: Any,
    volunteer_hours: Any,
    services_given: Any,
    remark: str = "",
) -> Appraisal:
    require_actor(by)
    row = (
        Appraisal.objects.select_for_update(of=("self",))
        .select_related("flow__home_organization", "flow__inflow_organization", "member")
        .get(pk=appraisal.pk)
    )
    if not can_see(by, row):
        raise not_found()
    if not may(by, row, "give_input"):
        raise PermissionDenied(
            "not_living_side",
            _("Only the station or branch where the member lives gives this input."),
        )
    _in_window(row.year)
    with audit.action("appraisal.input", actor=by):
        row.activities_attended = _count(activities_attended, "activities_attended")
        row.volunteer_hours = _hours(volunteer_hours)
        row.services_given = _count(services_given, "services_given")
        row.remark = text(remark, "remark", 500)
        row.input_by = user_of(by)
        row.input_at = timezone.now()
        row.save()
    return row


@transaction.atomic
def record_result(
    *, by: Any, appraisal: Appraisal, result: str, home_assessment: str = ""
) -> Appraisal:
    """The home branch records its appraisal and the result, beside the input."""
    require_actor(by)
    row = (
        Appraisal.objects.select_for_update(of=("self",))
        .select_related("flow__home_organization", "flow__inflow_organization", "member")
        .get(pk=appraisal.pk)
    )
    if not can_see(by, row):
        raise not_found()
    if not may(by, row, CHANGE):
        raise PermissionDenied(
            "not_home_side", _("Only the member's home branch records the result.")
        )
    if result not in AppraisalResult.values:
        raise DomainError("invalid_result", _("Choose a result."), "result")
    with audit.action("appraisal.result", actor=by):
        row.result = result
        row.home_assessment = text(home_assessment, "home_assessment", 500)
        row.result_by = user_of(by)
        row.result_at = timezone.now()
        row.save()
    return row


def write_appraisals(rows: list[dict[str, Any]], *, by: Any) -> int:
    """The set-based writer (the demo): appraisals in bulk with their input (and a result
    where given), one audit row each; a member's year once, as the database holds."""
    require_actor(by)
    made_rows = [Appraisal(input_by=user_of(by), **row) for row in rows]
    with transaction.atomic(), audit.action("appraisal.input", actor=by):
        made = Appraisal.objects.bulk_create(made_rows)
        paths = dict(
            Appraisal.objects.filter(pk__in=[a.pk for a in made]).values_list(
                "pk", "input_organization__path"
            )
        )
        audit.record_many(
            ("create", "", Appraisal, a.pk, f"{a.member_id} {a.year}", paths[a.pk], {})
            for a in made
        )
    return len(made)
