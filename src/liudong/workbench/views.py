"""Home pages per role: the figures of daily work, what awaits an answer, who did what."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from liudong.accounts.models import Role, User
from liudong.activities import queries as activities
from liudong.core import cards
from liudong.core.events import tell
from liudong.core.models import AuditEvent
from liudong.core.scope import ScopeKind, scope_of, visible_to
from liudong.members import work
from liudong.notifications import queries as notifications
from liudong.orgs.models import Organization
from liudong.stations import queries as stations

WORKBENCH_ROLES = (Role.STATION_STAFF, Role.COUNTY_ADMIN)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {"scope": scope_of(user)}
    if user.role == Role.MEMBER and not user.is_superuser:
        context.update(_member_home(user), tab="home")
        return render(request, "core/home_member.html", context)
    if user.role == Role.DEPARTMENT and not user.is_superuser:
        # A department's work is the suggestions routed to it (issue 14).
        return redirect("voice:suggestions")
    orgs = visible_to(user, Organization.objects.all())
    context.update(
        {
            "org_count": orgs.count(),
            "org_by_kind": _count_by(orgs, "kind", Organization._meta.get_field("kind")),
            "user_count": visible_to(user, User.objects.filter(is_active=True)).count(),
            "events_today": visible_to(user, AuditEvent.objects.all())
            .filter(at__date=timezone.localdate())
            .count(),
            "recent_events": tell(
                visible_to(user, AuditEvent.objects.select_related("content_type", "actor"))[:8],
                user,
            )
            if user.can("audit.view")
            else [],
            "children": _home_children(user, orgs),
            # Figures of daily work; the to-do page lists exactly these rows.
            "todo": work.todo_counts(user),
            "check_ins_pending": _check_ins_pending(user),
            "recent_check_ins": [] if user.can("audit.view") else _recent_check_ins(user),
        }
    )
    if user.role == Role.STATION_STAFF:
        context["my_stations"] = _my_stations(user)
    if user.role in WORKBENCH_ROLES:
        # The station workbench's cards (core.cards.STATION_HOME): a station's staff see their
        # station's work; a county administrator the work of the stations the county runs
        # (the cards that name the role; each reads through the gate).
        context["workbench_cards"] = cards.cards_for(
            cards.CardContext(user, user.organization, cards.STATION_HOME, None, {})
        )
    template = {
        Role.CITY_ADMIN: "core/home_city.html",
        Role.COUNTY_ADMIN: "core/home_county.html",
        Role.STATION_STAFF: "core/home_station.html",
        Role.BRANCH_SECRETARY: "core/home_branch.html",
    }.get(user.role, "core/home_city.html")
    return render(request, template, context)


def _member_home(user: Any) -> dict[str, Any]:
    """A member's own open flow record and who has seen their personal data in full."""
    member = work.member_of(user)
    if member is None:
        return {"member": None, **_member_notifications(user)}
    my_flow = work.open_flow_of(member)
    return {
        "member": member,
        "my_flow": my_flow,
        "data_views": work.views_of_my_data(member, limit=20),
        "data_views_count": work.count_views_of_my_data(member),
        **_member_stations(member, my_flow),
        "my_activities": activities.coming_for_member(member, limit=3),
        **_member_notifications(user),
    }


def _member_notifications(user: Any) -> dict[str, Any]:
    """The member's newest messages, unread first (the phone's home page)."""
    return {
        "latest_notifications": notifications.latest(user, 5),
        "unread_notifications": notifications.unread_count(user),
    }


def _member_stations(member: Any, flow: Any) -> dict[str, Any]:
    return stations.member_summary(member, flow)


def _check_ins_pending(user: Any) -> int:
    return stations.pending_count(user)


def _my_stations(user: Any) -> list[Any]:
    """The stations of a station's staff, with their members as every page counts them."""
    return [s for s in stations.stations_for(user) if s.branch_id == user.organization_id]


def _recent_check_ins(user: Any) -> list[Any]:
    return list(stations.check_ins(user).order_by("-requested_at", "-id")[:8])


def _home_children(user: Any, orgs: Any) -> Any:
    """The city sees its counties and city bodies; others what is directly under them."""
    if scope_of(user).kind == ScopeKind.ALL:
        return orgs.filter(depth=1).order_by("sort_order", "code")[:12]
    return orgs.filter(parent=user.organization_id).order_by("sort_order", "code")[:12]


def _count_by(queryset: Any, field: str, model_field: Any) -> list[tuple[str, int]]:
    labels = dict(model_field.choices)
    rows = queryset.values(field).annotate(n=Count("pk")).order_by("-n")
    return [(labels.get(row[field], row[field]), row["n"]) for row in rows]
