"""The member's phone pages: the coming activities open to me, one activity with sign-up,
and the activity's QR link, which records attendance within its time window. Light pages
like the check-in's (``stations/views_member.py``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liudong.accounts import member_pages
from liudong.activities import actions, queries
from liudong.activities.models import Activity, ActivityStatus
from liudong.core import idempotency
from liudong.core.acting import acting
from liudong.core.decorators import shows
from liudong.core.errors import DomainError
from liudong.members import work


def _member_gate(request: HttpRequest) -> HttpResponse | None:
    return member_pages.members_only(
        request,
        _(
            "These pages are for members: sign in with a member's phone. Staff "
            "record attendance on the activity's page."
        ),
    )


def _state(activity: Activity) -> dict[str, Any]:
    now = timezone.now()
    return {
        "cancelled": activity.status == ActivityStatus.CANCELLED,
        "started": activity.starts_at <= now,
        "ended": activity.ends_at <= now,
        "window_open": activity.check_in_opens_at <= now < activity.ends_at,
        "full": activity.capacity is not None
        and getattr(activity, "signed_up", 0) >= activity.capacity,
    }


@require_http_methods(["GET"])
def coming(request: HttpRequest) -> HttpResponse:
    gate = _member_gate(request)
    if gate is not None:
        return gate
    member = work.member_of(request.user)
    context = {
        "member": member,
        "coming": queries.coming_for_member(member) if member else [],
        "past": queries.past_for_member(member) if member else [],
        "tab": "activities",
    }
    return render(request, "activities/m_coming.html", context)


def _mine(request: HttpRequest, pk: int) -> tuple[Any, Activity | None]:
    member = work.member_of(request.user)
    return member, queries.for_member(member, pk) if member else None


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "m_message.html",
        {
            "title": _("Unknown activity"),
            "message": _("This activity is not open to you, or it does not exist."),
        },
        status=404,
    )


@shows(Activity)
@require_http_methods(["GET"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    gate = _member_gate(request)
    if gate is not None:
        return gate
    member, activity = _mine(request, pk)
    if activity is None:
        return _not_found(request)
    context = {"member": member, "activity": activity, "tab": "activities", **_state(activity)}
    return render(request, "activities/m_activity.html", context)


@shows(Activity)
@require_POST
def sign_up(request: HttpRequest, pk: int) -> HttpResponse:
    gate = _member_gate(request)
    if gate is not None:
        return gate
    _member, activity = _mine(request, pk)
    if activity is None:
        return _not_found(request)
    with acting(request, success=_("You have signed up. See you there!")):
        actions.sign_up(by=request.user, activity=activity)
    return redirect("activity_member:detail", pk=activity.pk)


@shows(Activity)
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    gate = _member_gate(request)
    if gate is not None:
        return gate
    _member, activity = _mine(request, pk)
    if activity is None:
        return _not_found(request)
    with acting(request, success=_("You withdrew: your place is free for others.")):
        actions.withdraw_sign_up(by=request.user, activity=activity)
    return redirect("activity_member:detail", pk=activity.pk)


@require_http_methods(["GET", "POST"])
def scan(request: HttpRequest, token: str) -> HttpResponse:
    """What the activity's QR code opens: the activity and one big button that records the
    member's attendance (within the window; once)."""
    activity = queries.activity_by_token(token)
    if activity is None:
        return render(
            request,
            "m_message.html",
            {
                "title": _("Unknown activity"),
                "message": _(
                    "This code does not belong to any activity. Scan the code shown at the "
                    "activity again, or ask its staff."
                ),
            },
            status=404,
        )
    gate = _member_gate(request)
    if gate is not None:
        return gate
    member = work.member_of(request.user)
    context: dict[str, Any] = {"member": member, "activity": activity, "tab": "activities"}
    if member is not None:
        queries.mark_own(member, [activity])
    status = 200
    if request.method == "POST" and member is not None:

        def show(exc: DomainError) -> None:
            context["error"] = exc.message

        with acting(request, show=show) as act:
            actions.record_by_scan(
                by=request.user,
                activity=activity,
                idempotency_key=idempotency.key_of(request),
                made_at=idempotency.made_at(request.POST.get("made_at")),
            )
        if act.ok:
            context["recorded"] = True
            queries.mark_own(member, [activity])
        else:
            status = 400
    context.update(_state(activity))
    return render(request, "activities/m_scan.html", context, status=status)
