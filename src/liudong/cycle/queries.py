"""Reads of dues and appraisals, shaped for the pages, the API, the panels and the card.
Every read goes through the scope gate."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from liudong.core.scope import CHANGE, restrict, visible_to
from liudong.cycle import rules
from liudong.cycle.models import (
    Appraisal,
    AppraisalWindow,
    DuesMonth,
    DuesPayment,
    DuesSetting,
)
from liudong.members.models import FlowRecord, Member
from liudong.orgs.models import Organization, OrgKind


@dataclass
class DuesStatus:
    """A member's dues as one side sees them: the setting in force, the months owed."""

    setting: DuesSetting
    unpaid: list[datetime.date] = field(default_factory=list)
    last_paid: datetime.date | None = None

    @property
    def owed(self) -> int:
        return len(self.unpaid)

    @property
    def flagged(self) -> bool:
        return self.owed >= rules.ARREARS_FLAG

    @property
    def owed_amount(self) -> Decimal:
        return self.setting.monthly_amount * self.owed


def settings_in_force(user: Any) -> QuerySet:
    """The latest setting of each member with an open stay, that the user may see."""
    latest = (
        DuesSetting.objects.filter(member=OuterRef("member"), flow__is_open=True)
        .order_by("-starts_on", "-id")
        .values("pk")[:1]
    )
    return visible_to(user, DuesSetting.objects.filter(flow__is_open=True)).filter(
        pk=Subquery(latest)
    )


def settings_in_force_before(user: Any, end: datetime.date) -> QuerySet:
    """The setting in force for each member with an open stay in the month before ``end``
    (the latest that starts before it), that the user may see: a statement of a past month
    reads the amount and the collecting side of that month, not today's."""
    latest = (
        DuesSetting.objects.filter(member=OuterRef("member"), flow__is_open=True, starts_on__lt=end)
        .order_by("-starts_on", "-id")
        .values("pk")[:1]
    )
    return visible_to(
        user, DuesSetting.objects.filter(flow__is_open=True, starts_on__lt=end)
    ).filter(pk=Subquery(latest))


def _first_months(member_ids: list[int]) -> dict[int, datetime.date]:
    first: dict[int, datetime.date] = {}
    for member_id, starts_on in (
        DuesSetting.objects.filter(member_id__in=member_ids, flow__is_open=True)
        .order_by("member_id", "starts_on")
        .values_list("member_id", "starts_on")
    ):
        first.setdefault(member_id, starts_on)
    return first


def statuses(
    settings_rows: list[DuesSetting], today: datetime.date | None = None
) -> list[DuesStatus]:
    """The status of each setting's member: months owed from their first dues month."""
    today = today or timezone.localdate()
    ids = [s.member_id for s in settings_rows]
    first = _first_months(ids)
    paid: dict[int, list[datetime.date]] = defaultdict(list)
    for member_id, month in DuesMonth.objects.filter(member_id__in=ids).values_list(
        "member_id", "month"
    ):
        paid[member_id].append(month)
    found = []
    for setting in settings_rows:
        months = paid.get(setting.member_id, [])
        found.append(
            DuesStatus(
                setting=setting,
                unpaid=rules.unpaid_months(
                    first.get(setting.member_id, setting.starts_on), months, today
                ),
                last_paid=max(months) if months else None,
            )
        )
    return found


def status_of(user: Any, member: Member, today: datetime.date | None = None) -> DuesStatus | None:
    setting = settings_in_force(user).filter(member=member).select_related("organization").first()
    return statuses([setting], today)[0] if setting else None


def arrears(user: Any, today: datetime.date | None = None) -> list[DuesStatus]:
    """Members in scope owing three months or more, the longest first."""
    rows = list(
        settings_in_force(user).select_related("member", "organization", "flow__home_organization")
    )
    flagged = [s for s in statuses(rows, today) if s.flagged]
    flagged.sort(key=lambda s: (-s.owed, s.setting.member.name))
    return flagged


def payments_of(user: Any, member: Member) -> QuerySet:
    return visible_to(user, DuesPayment.objects.filter(member=member)).select_related(
        "organization", "recorded_by"
    )


def history_of(user: Any, member: Member) -> QuerySet:
    return visible_to(user, DuesSetting.objects.filter(member=member)).select_related(
        "organization", "set_by"
    )


def collecting_organizations(user: Any) -> QuerySet:
    """Organizations in scope that collect dues of some member (for the statement)."""
    ids = restrict(user, DuesPayment.objects.all(), CHANGE).values("organization")
    ids_settings = settings_in_force(user).values("organization")
    return visible_to(
        user,
        Organization.objects.filter(pk__in=ids) | Organization.objects.filter(pk__in=ids_settings),
    ).order_by("path")


@dataclass
class Statement:
    organization: Organization
    month: datetime.date
    rows: list[dict[str, Any]]
    received: list[DuesPayment]
    due_total: Decimal
    paid_total: Decimal
    received_total: Decimal

    @property
    def outstanding_total(self) -> Decimal:
        return self.due_total - self.paid_total


def statement(user: Any, organization: Organization, month: datetime.date) -> Statement:
    """A collecting organization's month: each member it collects from (due, paid for the
    month or not, months owed) and the payments received in the month. Read through the
    gate: a side that does not collect sees no rows."""
    month = rules.month_of(month)
    end = rules.add_months(month, 1)
    in_force = list(
        settings_in_force_before(user, end)
        .filter(organization=organization)
        .select_related("member")
    )
    status = {s.setting.member_id: s for s in statuses(in_force, end)}
    covered = {
        m.member_id: m.payment
        for m in DuesMonth.objects.filter(
            month=month, member_id__in=list(status), payment__organization=organization
        ).select_related("payment")
    }
    rows = []
    due_total = paid_total = Decimal("0.00")
    for setting in sorted(in_force, key=lambda s: s.member.name):
        payment = covered.get(setting.member_id)
        due_total += setting.monthly_amount
        if payment is not None:
            paid_total += setting.monthly_amount
        rows.append(
            {
                "member": setting.member,
                "setting": setting,
                "payment": payment,
                "owed": status[setting.member_id].owed,
            }
        )
    received = list(
        restrict(user, DuesPayment.objects.all(), CHANGE)
        .filter(organization=organization, paid_on__gte=month, paid_on__lt=end)
        .select_related("member")
        .order_by("paid_on", "receipt_number")
    )
    return Statement(
        organization=organization,
        month=month,
        rows=rows,
        received=received,
        due_total=due_total,
        paid_total=paid_total,
        received_total=sum((p.amount for p in received), Decimal("0.00")),
    )


# --- appraisal ------------------------------------------------------------------------------


def appraisals(user: Any) -> QuerySet:
    return visible_to(user, Appraisal.objects.all()).select_related(
        "member", "input_organization", "flow__home_organization", "flow__inflow_organization"
    )


def appraisal_of(user: Any, member: Member, year: int) -> Appraisal | None:
    return appraisals(user).filter(member=member, year=year).first()


def due_for_input(user: Any, year: int) -> QuerySet:
    """Open stays whose living side (the inflow side) is in the user's scope, without input
    for ``year`` yet."""
    given = Appraisal.objects.filter(year=year).values("member")
    living = visible_to(user, Organization.objects.all()).values("pk")
    return (
        visible_to(user, FlowRecord.objects.filter(is_open=True))
        .filter(inflow_organization__in=living)
        .exclude(member__in=given)
        .select_related("member", "inflow_organization", "home_organization")
    )


def prefill(user: Any, member: Member, year: int) -> dict[str, Any]:
    """What the platform recorded of the member in the year, through the activities' and
    the service requests' own queries: activities attended, volunteer hours, services."""
    from liudong.activities import queries as activities
    from liudong.assistance import queries as assistance

    attended = activities.participation(user, member).filter(activity__starts_at__year=year)
    hours = sum((a.volunteer_hours or Decimal(0) for a in attended), Decimal(0))
    services = (
        assistance.requests(user)
        .filter(member=member, status="resolved", resolved_at__year=year)
        .count()
    )
    return {
        "activities_attended": attended.count(),
        "volunteer_hours": hours,
        "services_given": services,
    }


def window_for(year: int) -> AppraisalWindow | None:
    return AppraisalWindow.objects.filter(year=year).first()


def progress(user: Any, year: int) -> list[dict[str, Any]]:
    """Per county (of the living side: the station's branch is under the county that runs
    it): members due (open stays with a living side of ours) and members with input. Both
    counted through the gate: each viewer counts the rows they may see (a station its own
    members, a home county its members kept elsewhere), under the county of the living side."""
    counties = list(Organization.objects.filter(kind=OrgKind.COUNTY_COMMITTEE).order_by("code"))
    flows = visible_to(
        user, FlowRecord.objects.filter(is_open=True, inflow_organization__isnull=False)
    )
    given = visible_to(user, Appraisal.objects.filter(year=year, flow__is_open=True))
    found = []
    for county in counties:
        due = flows.filter(inflow_organization__path__startswith=county.path).count()
        done = given.filter(input_organization__path__startswith=county.path).count()
        if due or done:
            found.append(
                {
                    "county": county,
                    "due": due,
                    "given": done,
                    "share": round(100 * done / due) if due else 0,
                }
            )
    return found
