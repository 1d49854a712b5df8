"""The member's phone pages of the members' voice: suggestions for the home county, policy
notices and the FAQ (a question becomes a service request), job openings."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liudong.accounts import member_pages
from liudong.core.acting import acting
from liudong.core.decorators import shows
from liudong.core.scope import get_visible_or_404
from liudong.stations.models import Station, StationStatus
from liudong.voice import actions, queries, views_policy
from liudong.voice.forms import QuestionForm, SuggestionForm
from liudong.voice.models import (
    FaqEntry,
    JobInterest,
    JobOpening,
    Notice,
    NoticeAttachment,
    PolicyTopic,
    Suggestion,
)


def _gate(request: HttpRequest) -> HttpResponse | None:
    return member_pages.members_only(
        request,
        _(
            "These pages are for members. Staff work on suggestions, notices and jobs in "
            "their own pages."
        ),
    )


@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    gate = _gate(request)
    if gate is not None:
        return gate
    member = queries.member_of(request.user)
    context = {
        "member": member,
        "home_county": actions.home_county(member) if member else None,
        "notices": list(queries.notices_for_member(member)[:3]),
        "read_ids": set(_read_ids(member)),
        "jobs": queries.openings_for_member().count(),
        "mine": list(queries.mine(request.user)[:3]),
        "tab": "home",
    }
    return render(request, "voice/m_index.html", context)


def _read_ids(member: Any) -> list[int]:
    if member is None:
        return []
    from liudong.voice.models import NoticeRead

    return list(NoticeRead.objects.filter(member=member).values_list("notice_id", flat=True))


# --- suggestions -----------------------------------------------------------------------------


@require_http_methods(["GET"])
def my_suggestions(request: HttpRequest) -> HttpResponse:
    gate = _gate(request)
    if gate is not None:
        return gate
    return render(
        request, "voice/m_suggestions.html", {"rows": list(queries.mine(request.user)[:50])}
    )


@require_http_methods(["GET", "POST"])
def new_suggestion(request: HttpRequest) -> HttpResponse:
    gate = _gate(request)
    if gate is not None:
        return gate
    member = queries.member_of(request.user)
    home = actions.home_county(member) if member else None
    form = SuggestionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with acting(
            request, success=_("Your suggestion was sent to your home county."), form=form
        ) as act:
            created, _new = actions.submit_suggestion(
                by=request.user,
                kind=data["kind"],
                topic=data["topic"],
                title=data["title"],
                text=data["text"],
                county=home,
                files=[data["file"]] if data.get("file") else [],
            )
        if act.ok:
            return redirect("voice_m:suggestion", pk=created.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "voice/m_suggestion_new.html", {"form": form, "home": home}, status=status
    )


@shows(Suggestion)
def suggestion(request: HttpRequest, pk: int) -> HttpResponse:
    gate = _gate(request)
    if gate is not None:
        return gate
    obj = get_visible_or_404(request.user, queries.mine(request.user), pk=pk)
    return render(
        request,
        "voice/m_suggestion.html",
        {
            "obj": obj,
            # Only an approved answer: the department's draft never reaches the member.
            "answer_visible": actions.answer_visible(request.user, obj),
            "attachments": list(obj.attachments.all()),
        },
    )


# --- notices and FAQ ---------------------------------------------------------------------------


def _stations_for(member: Any) -> list[Station]:
    """The open stations that give policy consultation, the member's own first."""
    stations = [
        s
        for s in Station.objects.filter(status=StationStatus.OPEN).order_by("code")
        if "policy" in (s.services or [])
    ]
    if member is not None and member.inflow_organization_id:
        stations.sort(key=lambda s: s.branch_id != member.inflow_organization_id)
    return stations


@require_http_methods(["GET"])
def notices(request: HttpRequest) -> HttpResponse:
    gate = _gate(request)
    if gate is not None:
        return gate
    member = queries.member_of(request.user)
    rows = list(queries.notices_for_member(member)[:50])
    return render(
        request,
        "voice/m_notices.html",
        {"rows": rows, "read_ids": set(_read_ids(member)), "topics": PolicyTopic.choices},
    )


@shows(Notice)
@require_http_methods(["GET", "POST"])
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    gate = _gate(request)
    if gate is not None:
        return gate
    member = queries.member_of(request.user)
    # A member's notices are those published for them (an audience, not a scope).
    obj = queries.notices_for_member(member).filter(pk=pk).first()
    if obj is None:
        raise Http404(_("This notice is not for you, or no longer valid."))
    actions.mark_read(by=request.user, notice=obj)
    return _ask(
        request,
        member,
        obj,
        "voice/m_notice.html",
        {"obj": obj, "attachments": list(obj.attachments.all())},
    )


@shows(NoticeAttachment)
@require_http_methods(["GET"])
def notice_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A file of a notice the member is in the audience of, while the notice is valid."""
    gate = _gate(request)
    if gate is not None:
        return gate
    member = queries.member_of(request.user)
    found = (
        NoticeAttachment.objects.filter(pk=pk, notice__in=queries.notices_for_member(member))
        .select_related("notice")
        .first()
    )
    if found is None:
        raise Http404(_("This notice is not for you, or no longer valid."))
    return views_policy.file_response(found)


def _ask(
    request: HttpRequest, member: Any, about: Any, template: str, context: dict[str, Any]
) -> HttpResponse:
    """The page with a question form: a question becomes a policy-consultation request."""
    stations = _stations_for(member)
    form = QuestionForm(request.POST or None, stations=stations)
    if request.method == "POST" and form.is_valid():
        station = next(s for s in stations if s.pk == form.cleaned_data["station"])
        with acting(
            request,
            success=_("Your question was sent to the station."),
            form=form,
            fields={"description": "question"},
        ) as act:
            created = actions.ask_question(
                by=request.user,
                station=station,
                question=form.cleaned_data["question"],
                about=about,
            )
        if act.ok:
            return redirect("assistance_m:detail", pk=created.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, template, {**context, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
def faq(request: HttpRequest) -> HttpResponse:
    gate = _gate(request)
    if gate is not None:
        return gate
    member = queries.member_of(request.user)
    topic = request.GET.get("topic", "")
    rows = queries.faq_for_member(member)
    if topic in PolicyTopic.values:
        rows = rows.filter(topic=topic)
    labels = dict(PolicyTopic.choices)
    grouped: dict[str, list[FaqEntry]] = {}
    for row in rows:
        grouped.setdefault(str(labels.get(row.topic, row.topic)), []).append(row)
    return _ask(
        request,
        member,
        None,
        "voice/m_faq.html",
        {"grouped": grouped, "topics": PolicyTopic.choices, "topic": topic},
    )


# --- jobs --------------------------------------------------------------------------------------


@require_http_methods(["GET"])
def jobs(request: HttpRequest) -> HttpResponse:
    gate = _gate(request)
    if gate is not None:
        return gate
    member = queries.member_of(request.user)
    marked = set()
    if member is not None:
        marked = set(JobInterest.objects.filter(member=member).values_list("opening_id", flat=True))
    rows = list(queries.openings_for_member()[:100])
    return render(request, "voice/m_jobs.html", {"rows": rows, "marked": marked})


def _opening(request: HttpRequest, pk: int) -> JobOpening:
    found = queries.openings_for_member().filter(pk=pk).first()
    if found is None:
        raise Http404(_("This opening has closed or does not exist."))
    return found


@shows(JobOpening)
def job(request: HttpRequest, pk: int) -> HttpResponse:
    gate = _gate(request)
    if gate is not None:
        return gate
    obj = _opening(request, pk)
    member = queries.member_of(request.user)
    mark = JobInterest.objects.filter(opening=obj, member=member).first() if member else None
    return render(request, "voice/m_job.html", {"obj": obj, "mark": mark})


@shows(JobOpening)
@require_POST
def interest(request: HttpRequest, pk: int) -> HttpResponse:
    gate = _gate(request)
    if gate is not None:
        return gate
    obj = _opening(request, pk)
    with acting(request, success=_("The station knows you are interested; they will contact you.")):
        actions.mark_interest(by=request.user, opening=obj)
    return redirect("voice_m:job", pk=obj.pk)
