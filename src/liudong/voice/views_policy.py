"""Desktop pages of policy notices, the FAQ and job openings: what the user's side published
(with unique reader counts, never who read), a new notice, the FAQ, openings with the
members' interest and the outcomes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liudong.core import uploads
from liudong.core.acting import acting
from liudong.core.decorators import opens_for, shows
from liudong.core.paging import paginate
from liudong.core.scope import CHANGE, get_visible_or_404, may, restrict
from liudong.orgs.models import Organization, OrgKind
from liudong.stations.models import Station, StationStatus
from liudong.voice import actions, queries
from liudong.voice.forms import FaqForm, JobForm, NoticeForm, OutcomeForm
from liudong.voice.models import (
    JobInterest,
    JobOpening,
    Notice,
    NoticeAttachment,
    PolicyTopic,
)
from liudong.voice.views import is_staff

PUBLISHING_KINDS = (
    OrgKind.CITY_COMMITTEE,
    OrgKind.ORG_DEPARTMENT,
    OrgKind.COUNTY_COMMITTEE,
    OrgKind.MOBILE_BRANCH,
)


def _publishers(user: Any) -> list[Organization]:
    """The organizations the user may publish for: their own (a city, a county, a station's
    mobile branch) and those they may change of these kinds."""
    rows = restrict(user, Organization.objects.filter(kind__in=PUBLISHING_KINDS), CHANGE)
    return list(rows.order_by("depth", "code")[:50])


@login_required
@opens_for(is_staff)
def notice_list(request: HttpRequest) -> HttpResponse:
    rows = queries.notices(request.user).order_by("-published_at", "-id")
    return render(
        request,
        "voice/notice_list.html",
        {"may_publish": bool(_publishers(request.user)), **paginate(request, rows)},
    )


@login_required
@opens_for(is_staff)
@require_http_methods(["GET", "POST"])
def notice_new(request: HttpRequest) -> HttpResponse:
    publishers = _publishers(request.user)
    if not publishers:
        raise PermissionDenied
    counties = list(Organization.objects.filter(kind=OrgKind.COUNTY_COMMITTEE).order_by("code"))
    stations = list(Station.objects.filter(status=StationStatus.OPEN).order_by("code"))
    form = NoticeForm(
        request.POST or None,
        request.FILES or None,
        publishers=publishers,
        counties=counties,
        stations=stations,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_pk = {o.pk: o for o in publishers}
        with acting(request, success=_("The notice was published."), form=form) as act:
            created = actions.publish_notice(
                by=request.user,
                publisher=by_pk[data["publisher"]],
                topic=data["topic"],
                title=data["title"],
                body=data["body"],
                audience=data["audience"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                audience_county=next(
                    (c for c in counties if c.pk == data["audience_county"]), None
                ),
                audience_station=next(
                    (s for s in stations if s.pk == data["audience_station"]), None
                ),
                files=[data["file"]] if data.get("file") else [],
            )
        if act.ok:
            return redirect("voice:notice", pk=created.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "voice/notice_new.html", {"form": form}, status=status)


@login_required
@shows(Notice)
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not is_staff(request.user):
        raise Http404(_("This page is not kept for your role."))
    obj = get_visible_or_404(request.user, queries.notices(request.user), pk=pk)
    return render(
        request,
        "voice/notice_detail.html",
        {
            "obj": obj,
            "attachments": list(obj.attachments.all()),
            "may_change": may(request.user, obj, CHANGE),
        },
    )


@login_required
@shows(NoticeAttachment)
def notice_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A file of a notice, for the staff who may see the notice (its publisher's side)."""
    if not is_staff(request.user):
        raise Http404(_("This page is not kept for your role."))
    found = get_visible_or_404(request.user, NoticeAttachment.objects.all(), pk=pk)
    return file_response(found)


def file_response(found: NoticeAttachment) -> HttpResponse:
    """The stored bytes of a notice's file, or "not found" when they are gone."""
    try:
        return uploads.response(found.stored_as, name=found.name, content_type=found.content_type)
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(_("The file is no longer kept.")) from exc


@login_required
@shows(Notice)
@require_POST
def notice_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    if not is_staff(request.user):
        raise Http404(_("This page is not kept for your role."))
    obj = get_visible_or_404(request.user, queries.notices(request.user), pk=pk)
    with acting(request, success=_("The notice was withdrawn.")):
        actions.withdraw_notice(by=request.user, notice=obj)
    return redirect("voice:notice", pk=obj.pk)


@login_required
@opens_for(is_staff)
@require_http_methods(["GET", "POST"])
def faq(request: HttpRequest) -> HttpResponse:
    publishers = _publishers(request.user)
    form = FaqForm(request.POST or None, publishers=publishers)
    if request.method == "POST":
        if not publishers:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            by_pk = {o.pk: o for o in publishers}
            with acting(request, success=_("The question was added."), form=form) as act:
                actions.add_faq(
                    by=request.user,
                    publisher=by_pk[data["publisher"]],
                    topic=data["topic"],
                    question=data["question"],
                    answer=data["answer"],
                )
            if act.ok:
                return redirect("voice:faq")
    rows = list(queries.faq(request.user))
    topics = dict(PolicyTopic.choices)
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(str(topics.get(row.topic, row.topic)), []).append(row)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "voice/faq.html",
        {"grouped": grouped, "form": form, "may_publish": bool(publishers)},
        status=status,
    )


# --- job openings ---------------------------------------------------------------------------


@login_required
@opens_for(is_staff)
def job_list(request: HttpRequest) -> HttpResponse:
    rows = queries.openings(request.user).order_by("-closing_date", "-id")
    return render(
        request,
        "voice/job_list.html",
        {"may_post": queries.works_at_a_station(request.user), **paginate(request, rows)},
    )


@login_required
@opens_for(is_staff)
@require_http_methods(["GET", "POST"])
def job_new(request: HttpRequest) -> HttpResponse:
    stations = list(queries.stations_worked_by(request.user))
    if not stations:
        raise PermissionDenied
    form = JobForm(request.POST or None, stations=stations)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        station = next(s for s in stations if s.pk == data.pop("station"))
        with acting(request, success=_("The job opening was posted."), form=form) as act:
            created = actions.post_opening(by=request.user, station=station, **data)
        if act.ok:
            return redirect("voice:job", pk=created.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "voice/job_new.html", {"form": form}, status=status)


def _job_context(request: HttpRequest, obj: JobOpening, **forms: Any) -> dict[str, Any]:
    return {
        "obj": obj,
        "may_change": may(request.user, obj, CHANGE),
        "interest": list(queries.interest(request.user).filter(opening=obj)),
        "outcome_form": forms.get("outcome") or OutcomeForm(),
        "failed": forms.get("failed"),
    }


@login_required
@shows(JobOpening)
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not is_staff(request.user):
        raise Http404(_("This page is not kept for your role."))
    obj = get_visible_or_404(request.user, queries.openings(request.user), pk=pk)
    return render(request, "voice/job_detail.html", _job_context(request, obj))


@login_required
@shows(JobInterest)
@require_POST
def job_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    if not is_staff(request.user):
        raise Http404(_("This page is not kept for your role."))
    found = get_visible_or_404(request.user, queries.interest(request.user), pk=pk)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        with acting(request, success=_("The outcome was recorded."), form=form) as act:
            actions.record_outcome(
                by=request.user,
                interest=found,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["outcome_note"],
            )
        if act.ok:
            return redirect("voice:job", pk=found.opening_id)
    obj = queries.openings(request.user).get(pk=found.opening_id)
    context = _job_context(request, obj, outcome=form, failed=found.pk)
    return render(request, "voice/job_detail.html", context, status=400)
