"""Planning an activity, changing it, cancelling it, and its summary after it was held."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.activities.models import Activity, ActivityKind, ActivityStatus, Audience
from liudong.core import audit
from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.scope import CHANGE, can_see, may, require_actor, scope_of, user_of
from liudong.orgs.models import Organization, OrgKind

ACTIVITY_FIELDS = (
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "place",
    "online_link",
    "capacity",
    "audience",
    "description",
)

# Organizations that hold activities: branches (mobile branches are the stations' own).
ORGANIZER_KINDS = (OrgKind.BRANCH, OrgKind.MOBILE_BRANCH, OrgKind.GENERAL_BRANCH)

LONGEST = datetime.timedelta(days=14)


def require_staff(by: Any) -> None:
    require_actor(by)
    if not (by.is_superuser or getattr(by, "is_staff_role", False)):
        raise PermissionDenied("forbidden", _("Only staff can do this."))


def require_organizer_side(by: Any, activity: Activity) -> None:
    """The actor works for the organizer (its subtree is in their scope)."""
    require_staff(by)
    if not can_see(by, activity):
        raise ScopeError("not_found", _("Not found, or not within your organization's scope."))
    if not may(by, activity, CHANGE):
        raise PermissionDenied(
            "not_organizer_side", _("Only the organizer's staff can change this activity.")
        )


def require_organizer(by: Any, organizer: Organization) -> None:
    """Staff plan activities for a branch (or a station's branch) within their scope."""
    require_staff(by)
    if organizer.kind not in ORGANIZER_KINDS:
        raise DomainError(
            "invalid_organizer",
            _("Activities are held by a station's branch or a branch."),
            "organizer",
        )
    if not scope_of(by).covers_path(organizer.path):
        raise ScopeError(
            "organizer_out_of_scope",
            _("That organization is not within your scope."),
            "organizer",
        )


def locked(activity: Activity) -> Activity:
    return (
        Activity.objects.select_for_update(of=("self",))
        .select_related("organizer")
        .get(pk=activity.pk)
    )


def _clean(fields: dict[str, Any], organizer: Organization) -> dict[str, Any]:
    unknown = set(fields) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown activity fields: {sorted(unknown)}")
    values = dict(fields)
    if values.get("kind") not in ActivityKind.values:
        raise DomainError("invalid_kind", _("Choose the kind of activity."), "kind")
    values["title"] = (values.get("title") or "").strip()
    if not values["title"]:
        raise DomainError("title_required", _("Give the activity a title."), "title")
    if len(values["title"]) > 120:
        raise DomainError("title_too_long", _("The title is at most 120 characters."), "title")
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if not isinstance(starts, datetime.datetime):
        raise DomainError("starts_required", _("Give the start time."), "starts_at")
    if not isinstance(ends, datetime.datetime):
        raise DomainError("ends_required", _("Give the end time."), "ends_at")
    if timezone.is_naive(starts):
        values["starts_at"] = starts = timezone.make_aware(starts)
    if timezone.is_naive(ends):
        values["ends_at"] = ends = timezone.make_aware(ends)
    if ends <= starts:
        raise DomainError("ends_before_start", _("The end must come after the start."), "ends_at")
    if ends - starts > LONGEST:
        raise DomainError(
            "too_long", _("An activity lasts at most 14 days: plan several."), "ends_at"
        )
    values["place"] = (values.get("place") or "").strip()[:200]
    values["online_link"] = (values.get("online_link") or "").strip()
    if values["online_link"]:
        try:
            URLValidator(schemes=["http", "https"])(values["online_link"])
        except ValidationError:
            raise DomainError(
                "invalid_link", _("The online link must be a web address."), "online_link"
            ) from None
    if not values["place"] and not values["online_link"]:
        raise DomainError(
            "place_required", _("Give the place or an online link (or both)."), "place"
        )
    capacity = values.get("capacity")
    if capacity is not None and (
        isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1
    ):
        raise DomainError(
            "invalid_capacity", _("The capacity is a whole number from 1, or empty."), "capacity"
        )
    audience = values.get("audience") or Audience.STATION
    if audience not in Audience.values:
        raise DomainError("invalid_audience", _("Choose who may sign up."), "audience")
    if audience == Audience.STATION and not hasattr(organizer, "station"):
        raise DomainError(
            "not_a_station",
            _("Only a station's branch can hold an activity for the station's members."),
            "audience",
        )
    values["audience"] = audience
    values["description"] = (values.get("description") or "").strip()[:2000]
    return values


@transaction.atomic
def plan_activity(*, by: Any, organizer: Organization, **fields: Any) -> Activity:
    """A station's branch or a branch plans an activity (planned, not yet started)."""
    require_organizer(by, organizer)
    values = _clean(fields, organizer)
    if values["starts_at"] <= timezone.now():
        raise DomainError("starts_in_past", _("Plan an activity that starts later."), "starts_at")
    with audit.action("activity.plan", actor=by):
        return Activity.objects.create(organizer=organizer, created_by=user_of(by), **values)


@transaction.atomic
def record_held_activity(
    *, by: Any, organizer: Organization, summary: str = "", **fields: Any
) -> Activity:
    """Enter an activity held before (from a paper register, or before the platform): over
    already; held with its summary, or awaiting it. Attendance is then marked by staff."""
    require_organizer(by, organizer)
    values = _clean(fields, organizer)
    if values["ends_at"] > timezone.now():
        raise DomainError(
            "not_ended", _("Only an activity that is over can be entered afterwards."), "ends_at"
        )
    summary = (summary or "").strip()[:4000]
    status = ActivityStatus.HELD if summary else ActivityStatus.PLANNED
    with audit.action("activity.record_held", actor=by):
        return Activity.objects.create(
            organizer=organizer, created_by=user_of(by), summary=summary, status=status, **values
        )


@transaction.atomic
def edit_activity(*, by: Any, activity: Activity, **fields: Any) -> Activity:
    """Change a planned activity that has not started (capacity not below its sign-ups)."""
    activity = locked(activity)
    require_organizer_side(by, activity)
    if activity.status != ActivityStatus.PLANNED:
        raise DomainError("not_planned", _("Only a planned activity can be changed."), "status")
    if activity.starts_at <= timezone.now():
        raise DomainError(
            "already_started", _("The activity has started: it can no longer be changed."), None
        )
    current = {name: getattr(activity, name) for name in ACTIVITY_FIELDS}
    values = _clean({**current, **fields}, activity.organizer)
    if values["starts_at"] <= timezone.now():
        raise DomainError("starts_in_past", _("Plan an activity that starts later."), "starts_at")
    signed_up = activity.sign_ups.count()
    if values["capacity"] is not None and values["capacity"] < signed_up:
        raise DomainError(
            "capacity_below_sign_ups",
            _("%(count)d members have signed up: the capacity cannot be lower.")
            % {"count": signed_up},
            "capacity",
        )
    changed = [name for name in ACTIVITY_FIELDS if values[name] != current[name]]
    if not changed:
        return activity
    with audit.action("activity.edit", actor=by):
        for name in changed:
            setattr(activity, name, values[name])
        activity.save(update_fields=[*changed, "updated_at"])
    return activity


@transaction.atomic
def cancel_activity(*, by: Any, activity: Activity, reason: str) -> Activity:
    """Cancel a planned activity before it ends, with a reason the members see."""
    activity = locked(activity)
    require_organizer_side(by, activity)
    if activity.status != ActivityStatus.PLANNED:
        raise DomainError(
            "not_planned",
            _("Only a planned activity can be cancelled (now: %(status)s).")
            % {"status": activity.get_status_display()},
            "status",
        )
    if activity.ends_at <= timezone.now():
        raise DomainError(
            "already_ended", _("The activity is over: record its summary instead."), None
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", _("Say why, for the members."), "reason")
    with audit.action("activity.cancel", actor=by, reason=reason[:200]):
        activity.status = ActivityStatus.CANCELLED
        activity.cancel_reason = reason[:200]
        activity.save(update_fields=["status", "cancel_reason", "updated_at"])
    return activity


@transaction.atomic
def record_summary(*, by: Any, activity: Activity, summary: str) -> Activity:
    """After the activity: its summary; the activity is then held (it may be revised)."""
    activity = locked(activity)
    require_organizer_side(by, activity)
    if activity.status == ActivityStatus.CANCELLED:
        raise DomainError("cancelled", _("The activity was cancelled."), "status")
    if activity.ends_at > timezone.now():
        raise DomainError(
            "not_ended", _("A summary is written after the activity has ended."), None
        )
    summary = (summary or "").strip()
    if not summary:
        raise DomainError("summary_required", _("Write the summary."), "summary")
    if len(summary) > 4000:
        raise DomainError(
            "summary_too_long", _("The summary is at most 4000 characters."), "summary"
        )
    with audit.action("activity.summary", actor=by):
        activity.summary = summary
        activity.status = ActivityStatus.HELD
        activity.save(update_fields=["summary", "status", "updated_at"])
    return activity
