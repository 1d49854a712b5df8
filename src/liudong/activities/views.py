"""Activity pages for staff: the activities in scope, planning and changing one, its
sign-ups and attendance, marking attendance, the summary, and its printable QR code."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liudong.activities import actions, queries
from liudong.activities.forms import (
    ActivityForm,
    CancelForm,
    HoursForm,
    MarkForm,
    PhotoForm,
    SummaryForm,
)
from liudong.activities.models import (
    Activity,
    ActivityKind,
    ActivityPhoto,
    ActivityStatus,
    Attendance,
)
from liudong.core import uploads
from liudong.core.acting import acting
from liudong.core.decorators import shows
from liudong.core.paging import paginate
from liudong.core.scope import CHANGE, get_visible_or_404, may, visible_to
from liudong.members.models import Member
from liudong.orgs.models import Organization
from liudong.stations.poster import qr_svg


def _staff(request: HttpRequest) -> None:
    user = request.user
    if not (user.is_superuser or user.is_staff_role):
        raise PermissionDenied


def qr_url(request: HttpRequest, activity: Activity) -> str:
    """The absolute link the activity's QR code opens (attendance by scanning)."""
    return request.build_absolute_uri(reverse("activity_member:scan", args=[activity.qr_token]))


def organizers_for(user: Any) -> Any:
    return visible_to(
        user, Organization.objects.filter(kind__in=actions.ORGANIZER_KINDS, active=True)
    ).order_by("path")


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    _staff(request)
    when = request.GET.get("when", "")
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    rows = queries.with_counts(queries.activities_for(request.user)).order_by("-starts_at", "-id")
    now = timezone.now()
    if when == "coming":
        rows = rows.filter(ends_at__gt=now).order_by("starts_at", "id")
    elif when == "past":
        rows = rows.filter(ends_at__lte=now)
    if status in ActivityStatus.values:
        rows = rows.filter(status=status)
    if kind in ActivityKind.values:
        rows = rows.filter(kind=kind)
    context = {
        "awaiting": list(queries.awaiting_summary(request.user).select_related("organizer")[:50]),
        "when": when,
        "status": status,
        "kind": kind,
        "statuses": ActivityStatus.choices,
        "kinds": ActivityKind.choices,
        "may_plan": organizers_for(request.user).exists(),
        **paginate(request, rows),
    }
    return render(request, "activities/activity_list.html", context)


def _activity(request: HttpRequest, pk: int) -> Activity:
    _staff(request)
    return get_visible_or_404(
        request.user, Activity.objects.select_related(*queries.ACTIVITY_RELATED), pk=pk
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest) -> HttpResponse:
    _staff(request)
    organizers = organizers_for(request.user)
    initial = {"organizer": request.GET.get("organizer") or None}
    form = ActivityForm(request.POST or None, organizers=organizers, initial=initial)
    if request.method == "POST" and form.is_valid():
        with acting(request, success=_("The activity is planned."), form=form) as act:
            created = actions.plan_activity(
                by=request.user, organizer=form.cleaned_data["organizer"], **form.values()
            )
        if act.ok:
            return redirect("activities:detail", pk=created.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "activities/activity_form.html", {"form": form, "activity": None}, status=status
    )


@login_required
@shows(Activity)
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _activity(request, pk)
    may_change = may(request.user, activity, CHANGE)
    now = timezone.now()
    volunteer = activity.kind == ActivityKind.VOLUNTEER_SERVICE
    candidates = queries.mark_candidates(request.user, activity) if may_change else []
    context: dict[str, Any] = {
        "activity": activity,
        "may_change": may_change,
        "sign_ups": list(queries.sign_ups_of(request.user, activity)),
        "attendance": list(queries.attendance_of(request.user, activity)),
        "qr_url": qr_url(request, activity),
        "qr_svg": qr_svg(qr_url(request, activity)),
        "started": activity.starts_at <= now,
        "ended": activity.ends_at <= now,
        "window_open": activity.check_in_opens_at <= now,
        "volunteer": volunteer,
        "mark_form": MarkForm(candidates=candidates, volunteer=volunteer),
        "summary_form": SummaryForm(initial={"summary": activity.summary}),
        "photos": list(visible_to(request.user, activity.photos.all())),
        "photo_form": PhotoForm(),
    }
    return render(request, "activities/activity_detail.html", context)


def _changeable(request: HttpRequest, pk: int) -> Activity:
    activity = _activity(request, pk)
    if not may(request.user, activity, CHANGE):
        raise PermissionDenied
    return activity


@login_required
@shows(Activity)
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _changeable(request, pk)
    initial = {name: getattr(activity, name) for name in actions.ACTIVITY_FIELDS}
    initial["starts_at"] = timezone.localtime(activity.starts_at)
    initial["ends_at"] = timezone.localtime(activity.ends_at)
    form = ActivityForm(request.POST or None, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        with acting(request, success=_("The activity is changed."), form=form) as act:
            actions.edit_activity(by=request.user, activity=activity, **form.values())
        if act.ok:
            return redirect("activities:detail", pk=activity.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "activity": activity}
    return render(request, "activities/activity_form.html", context, status=status)


@login_required
@shows(Activity)
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _changeable(request, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _("The activity is cancelled; the members see why.")
        with acting(request, success=done, form=form) as act:
            actions.cancel_activity(
                by=request.user, activity=activity, reason=form.cleaned_data["reason"]
            )
        if act.ok:
            return redirect("activities:detail", pk=activity.pk)
    return render(request, "activities/cancel.html", {"activity": activity, "form": form})


@login_required
@shows(Activity)
@require_POST
def summary(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _changeable(request, pk)
    form = SummaryForm(request.POST)
    if form.is_valid():
        with acting(request, success=_("The summary is recorded.")):
            actions.record_summary(
                by=request.user, activity=activity, summary=form.cleaned_data["summary"]
            )
    else:
        messages.error(request, _("Write the summary."))
    return redirect(reverse("activities:detail", args=[activity.pk]) + "#summary")


@login_required
@shows(Activity)
@require_POST
def mark(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _changeable(request, pk)
    candidates = queries.mark_candidates(request.user, activity)
    volunteer = activity.kind == ActivityKind.VOLUNTEER_SERVICE
    form = MarkForm(request.POST, candidates=candidates, volunteer=volunteer)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
    else:
        member = Member.objects.get(pk=form.cleaned_data["member"])
        done = _("%(name)s is recorded present.") % {"name": member.name}
        with acting(request, success=done):
            actions.mark_attendance(
                by=request.user,
                activity=activity,
                member=member,
                volunteer_hours=form.cleaned_data.get("volunteer_hours"),
            )
    return redirect(reverse("activities:detail", args=[activity.pk]) + "#attendance")


@login_required
@shows(Attendance)
@require_POST
def hours(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    attendance = get_visible_or_404(
        request.user, Attendance.objects.select_related("activity__organizer"), pk=pk
    )
    form = HoursForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Volunteer hours: a number from 0 to 24, one decimal place."))
    else:
        with acting(request, success=_("The volunteer hours are recorded.")):
            actions.set_volunteer_hours(
                by=request.user, attendance=attendance, hours=form.cleaned_data["hours"]
            )
    return redirect(reverse("activities:detail", args=[attendance.activity_id]) + "#attendance")


@login_required
@shows(Activity)
def poster(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable page: the activity, its time and place, and the QR code to scan."""
    activity = _activity(request, pk)
    url = qr_url(request, activity)
    context = {"activity": activity, "qr_url": url, "qr_svg": qr_svg(url)}
    return render(request, "activities/poster.html", context)


@login_required
@shows(Activity)
@require_POST
def add_photos(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff add photos after the activity (each checked; the first refusal says why)."""
    activity = _changeable(request, pk)
    files = request.FILES.getlist("file")
    if not files:
        messages.error(request, _("Choose the photos to add."))
    else:
        done = _("%(count)s photos were added.") % {"count": len(files)}
        with acting(request, success=done):
            for upload in files:
                actions.add_photo(by=request.user, activity=activity, upload=upload)
    return redirect(reverse("activities:detail", args=[activity.pk]) + "#photos")


def _photo(request: HttpRequest, pk: int) -> ActivityPhoto:
    _staff(request)
    return get_visible_or_404(
        request.user, ActivityPhoto.objects.select_related("activity__organizer"), pk=pk
    )


@login_required
@shows(ActivityPhoto)
@require_POST
def remove_photo(request: HttpRequest, pk: int) -> HttpResponse:
    photo = _photo(request, pk)
    with acting(request, success=_("The photo was removed.")):
        actions.remove_photo(by=request.user, photo=photo)
    return redirect(reverse("activities:detail", args=[photo.activity_id]) + "#photos")


@login_required
@shows(ActivityPhoto)
@require_http_methods(["GET"])
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A photo, or its thumbnail (``?size=thumb``), for whoever sees the activity (else not
    found: ids cannot be probed)."""
    found = _photo(request, pk)
    thumb = request.GET.get("size") == "thumb"
    try:
        return uploads.response(
            found.thumb_as if thumb else found.stored_as,
            name=found.name,
            content_type="image/jpeg" if thumb else found.content_type,
        )
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(_("The file is no longer kept.")) from exc
