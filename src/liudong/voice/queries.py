"""Reads of the members' voice, through the scope gate, shaped for the pages and the API.

What a member reads of notices, the FAQ and job openings is published for them (an
audience, not a scope): :func:`notices_for_member`, :func:`faq_for_member` and
:func:`openings_for_member` say who the audience is (decision 139)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from liudong.core.scope import CHANGE, restrict, visible_to
from liudong.members.models import Member
from liudong.orgs.models import Organization, OrgKind
from liudong.voice.models import (
    Department,
    FaqEntry,
    JobInterest,
    JobOpening,
    Notice,
    Outcome,
    Suggestion,
)

SUGGESTION_RELATED = ("member", "county", "department", "station")


def suggestions(user: Any) -> QuerySet:
    """Every suggestion the user may see: the county its own, a department user those routed
    to their department, the member their own, the city all."""
    return visible_to(user, Suggestion.objects.all()).select_related(*SUGGESTION_RELATED)


def mine(user: Any) -> QuerySet:
    return suggestions(user).filter(member__user=user.pk)


def departments(user: Any) -> QuerySet:
    return visible_to(user, Department.objects.select_related("county"))


def departments_of(county: Organization) -> QuerySet:
    return Department.objects.filter(county=county, active=True).order_by("name")


def counties_kept_by(user: Any) -> QuerySet:
    """The counties whose departments the user may keep (an administrator's)."""
    if not getattr(user, "is_admin_role", False):
        return Organization.objects.none()
    return restrict(
        user, Organization.objects.filter(kind=OrgKind.COUNTY_COMMITTEE), CHANGE
    ).order_by("code")


def member_of(user: Any) -> Member | None:
    if getattr(user, "pk", None) is None:
        return None
    return Member.objects.select_related("home_organization").filter(user=user.pk).first()


# --- notices ------------------------------------------------------------------------------


def notices(user: Any) -> QuerySet:
    """The notices the user's side published, with their unique reader counts."""
    return (
        visible_to(user, Notice.objects.select_related("publisher", "audience_county"))
        .select_related("audience_station")
        .annotate(readers=Count("reads", distinct=True))
    )


def _member_counties(member: Member) -> list[int]:
    ids = [member.residence_organization_id] if member.residence_organization_id else []
    home = member.home_organization
    county = home.county if home is not None else None
    if county is not None:
        ids.append(county.pk)
    return ids


def notices_for_member(member: Member | None, today: datetime.date | None = None) -> QuerySet:
    """The valid notices whose audience includes the member: all members, their home or
    residence county's, their station's."""
    if member is None:
        return Notice.objects.none()
    today = today or timezone.localdate()
    audience = Q(audience="all") | Q(
        audience="county", audience_county__in=_member_counties(member)
    )
    if member.inflow_organization_id:
        audience |= Q(audience="station", audience_station__branch=member.inflow_organization_id)
    return (
        Notice.objects.filter(
            audience, withdrawn_at__isnull=True, valid_from__lte=today, valid_until__gte=today
        )
        .select_related("publisher")
        .order_by("-published_at", "-id")
    )


def faq(user: Any) -> QuerySet:
    return visible_to(user, FaqEntry.objects.select_related("publisher"))


def faq_for_member(member: Member | None) -> QuerySet:
    """The city's FAQ and that of the member's counties."""
    if member is None:
        return FaqEntry.objects.none()
    counties = _member_counties(member)
    return FaqEntry.objects.filter(
        Q(publisher__kind__in=(OrgKind.CITY_COMMITTEE, OrgKind.ORG_DEPARTMENT))
        | Q(publisher__in=counties)
        | Q(publisher=member.inflow_organization_id)
    ).select_related("publisher")


# --- jobs ----------------------------------------------------------------------------------


def openings(user: Any) -> QuerySet:
    return visible_to(
        user, JobOpening.objects.select_related("station__branch", "station__organization")
    ).annotate(
        interested=Count("interest", distinct=True),
        placed=Count("interest", filter=Q(interest__outcome=Outcome.PLACED), distinct=True),
    )


def openings_for_member(today: datetime.date | None = None) -> QuerySet:
    """Open job openings of every open station (members anywhere may look)."""
    today = today or timezone.localdate()
    return (
        JobOpening.objects.filter(closing_date__gte=today, station__status="open")
        .select_related("station")
        .order_by("closing_date", "id")
    )


def interest(user: Any) -> QuerySet:
    return visible_to(
        user, JobInterest.objects.select_related("member", "opening__station", "outcome_by")
    )


def stations_worked_by(user: Any) -> QuerySet:
    """The open stations whose staff the user is (to take suggestions at a meeting, to post
    job openings)."""
    from liudong.stations.models import Station, StationStatus

    if not getattr(user, "is_staff_role", False) and not getattr(user, "is_superuser", False):
        return Station.objects.none()
    return restrict(user, Station.objects.filter(status=StationStatus.OPEN), "staff").order_by(
        "code"
    )


def works_at_a_station(user: Any) -> bool:
    return stations_worked_by(user).exists()
