"""Census pages: rounds and their progress by county (调度推进), templates, upload → dry run
→ preview → commit, progress polled by HTMX, error workbooks, exports, conflicts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liudong.census import actions, jobs, progress, queries, workbooks
from liudong.census.forms import ConflictForm, RoundForm, UploadForm
from liudong.census.models import (
    CensusConflict,
    CensusRound,
    CensusSubmission,
    ConflictState,
    Phase,
)
from liudong.core import audit, xlsx
from liudong.core.acting import acting
from liudong.core.decorators import shows
from liudong.core.paging import paginate
from liudong.core.scope import get_visible_or_404


def _census_user(request: HttpRequest) -> None:
    user = request.user
    if not (user.can("census.submit") or user.can("census.manage")):
        raise PermissionDenied


def _round(request: HttpRequest, pk: int) -> CensusRound:
    return get_visible_or_404(request.user, CensusRound.objects.all(), pk=pk)


def _submission(request: HttpRequest, pk: int) -> CensusSubmission:
    return get_visible_or_404(
        request.user,
        CensusSubmission.objects.select_related("county", "round", "uploaded_by"),
        pk=pk,
    )


def _county_from_query(request: HttpRequest) -> Any:
    counties = list(queries.counties_for(request.user))
    code = request.GET.get("county") or ""
    if code:
        for county in counties:
            if county.code == code:
                return county
        raise Http404(_("Not found, or not within your organization's scope."))
    own = actions.county_of(request.user)
    if own is not None:
        return own
    return None


# --- rounds -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def round_list(request: HttpRequest) -> HttpResponse:
    _census_user(request)
    form = RoundForm(request.POST or None) if request.user.can("census.manage") else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            with acting(request, success=_("Round opened."), form=form) as act:
                created = actions.open_round(by=request.user, **form.cleaned_data)
            if act.ok:
                return redirect("census:round", pk=created.pk)
    rounds = CensusRound.objects.all()
    return render(request, "census/round_list.html", {"rounds": rounds, "form": form})


@shows(CensusRound)
@login_required
@require_http_methods(["GET"])
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """调度推进: the round's progress by county."""
    _census_user(request)
    census_round = _round(request, pk)
    rows, totals = queries.round_progress(request.user, census_round)
    context = {
        "round": census_round,
        "rows": rows,
        "totals": totals,
        "may_manage": request.user.can("census.manage"),
        "may_submit": request.user.can("census.submit"),
        "may_reveal": request.user.can("pii.reveal"),
        "own_county": actions.county_of(request.user),
    }
    return render(request, "census/round_detail.html", context)


@shows(CensusRound)
@login_required
@require_POST
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    _census_user(request)
    census_round = _round(request, pk)
    with acting(request, success=_("Round closed.")):
        actions.close_round(by=request.user, census_round=census_round)
    return redirect("census:round", pk=census_round.pk)


@xlsx.download
@login_required
@require_http_methods(["GET"])
def template_download(request: HttpRequest) -> HttpResponse:
    _census_user(request)
    county = _county_from_query(request)
    if county is None:
        return HttpResponse(_("Choose a county (?county=620821)."), status=400)
    name = f"{county.name}-摸排模板.xlsx"
    return xlsx.response(workbooks.template(county), name)


@xlsx.download
@shows(CensusRound)
@login_required
@require_http_methods(["GET", "POST"])
def round_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The members the county's committed files found in the round, in the template layout.

    A GET gives masked ID numbers. Full numbers only by POST (CSRF) with a reason, for a
    role that may reveal: the reason goes to the audit row, as for a reveal on a page."""
    _census_user(request)
    census_round = _round(request, pk)
    county = _county_from_query(request)
    if county is None:
        return HttpResponse(_("Choose a county (?county=620821)."), status=400)
    reason = ""
    reveal = request.method == "POST"
    if reveal:
        if not request.user.can("pii.reveal"):
            raise PermissionDenied
        reason = " ".join((request.POST.get("reason") or "").split())[:500]
        if not reason:
            messages.error(request, _("Give a reason for exporting full ID numbers."))
            return redirect("census:round", pk=census_round.pk)
    content = workbooks.results(census_round, county, reveal=reveal)
    with audit.action("census.export", actor=request.user, reason=reason):
        audit.record(
            "reveal" if reveal else "export",
            census_round,
            detail=f"census results {county.code}" + (" full ID numbers" if reveal else ""),
            org_path=county.path,
        )
    return xlsx.response(content, f"{census_round.name}-{county.name}.xlsx")


# --- upload and the submission page ---------------------------------------------------------


@shows(CensusRound)
@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    _census_user(request)
    if not request.user.can("census.submit"):
        raise PermissionDenied
    census_round = _round(request, pk)
    own = actions.county_of(request.user)
    counties = [own] if own is not None else list(queries.counties_for(request.user))
    form = UploadForm(request.POST or None, request.FILES or None, counties=counties)
    if request.method == "POST" and form.is_valid():
        county = form.chosen_county()
        with acting(request, form=form) as act:
            submission = actions.submit_file(
                by=request.user,
                census_round=census_round,
                county=county,
                upload=form.cleaned_data["file"],
            )
        if act.ok:
            jobs.start_dry_run(submission.pk)
            return redirect("census:submission", pk=submission.pk)
    context = {"round": census_round, "form": form, "counties": counties}
    return render(request, "census/upload.html", context)


def _live(submission: CensusSubmission) -> dict[str, Any]:
    found = progress.live(submission.pk) if submission.is_running else None
    done = found["done"] if found else submission.rows_done
    total = found["total"] if found else submission.rows_total
    phase = found["phase"] if found else submission.phase
    percent = min(100, round(100 * done / total)) if total else 0
    return {
        "done": done,
        "total": total,
        "percent": percent,
        "phase_label": Phase(phase).label if phase in Phase.values else phase,
        "stale": progress.is_stale(submission),
    }


def _submission_context(request: HttpRequest, submission: CensusSubmission) -> dict[str, Any]:
    problems = submission.problems.all()
    return {
        "submission": submission,
        "round": submission.round,
        "live": _live(submission),
        "may_submit": request.user.can("census.submit"),
        "conflicts": queries.claims_of(submission),
        **paginate(request, problems, per_page=100),
    }


@shows(CensusSubmission)
@login_required
@require_http_methods(["GET"])
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview: counts, progress while it runs, every problem, then commit."""
    _census_user(request)
    submission = _submission(request, pk)
    return render(
        request, "census/submission_detail.html", _submission_context(request, submission)
    )


@shows(CensusSubmission)
@login_required
@require_http_methods(["GET"])
def submission_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled every second by HTMX while a job runs; reloads the page when it ends."""
    _census_user(request)
    submission = _submission(request, pk)
    if not submission.is_running and request.GET.get("running"):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    context = {"submission": submission, "live": _live(submission)}
    return render(request, "census/progress.html", context)


@shows(CensusSubmission)
@login_required
@require_POST
def submission_commit(request: HttpRequest, pk: int) -> HttpResponse:
    _census_user(request)
    submission = _submission(request, pk)
    with acting(request) as act:
        actions.request_commit(by=request.user, submission=submission)
    if act.ok:
        jobs.start_commit(submission.pk)
    return redirect("census:submission", pk=submission.pk)


@shows(CensusSubmission)
@login_required
@require_POST
def submission_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    _census_user(request)
    submission = _submission(request, pk)
    with acting(request, success=_("Cancel requested."), level=messages.INFO):
        actions.cancel(by=request.user, submission=submission)
    return redirect("census:submission", pk=submission.pk)


@xlsx.download
@shows(CensusSubmission)
@login_required
@require_http_methods(["GET"])
def submission_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The uploaded file back with problem cells marked, to fix and upload again."""
    _census_user(request)
    submission = _submission(request, pk)
    if submission.is_running:
        raise Http404
    if not submission.has_error_workbook:
        # A refused file never opened (damaged, not a workbook, a zip bomb): nothing to mark,
        # and it is not read again. Its problem is on the submission's page.
        messages.error(
            request,
            _(
                "This file was refused before its rows were checked, so there is no file "
                "with problems marked: the problem is shown below."
            )
            if not submission.opened
            else _("This file has no problems to mark."),
        )
        return redirect("census:submission", pk=submission.pk)
    with acting(request) as act:
        content = workbooks.error_workbook(submission)
    if not act.ok:
        return redirect("census:submission", pk=submission.pk)
    with audit.action("census.error_workbook", actor=request.user):
        audit.record("export", submission, detail="error workbook")
    stem = submission.file_name.rsplit(".", 1)[0]
    return xlsx.response(content, f"{stem}-问题标注.xlsx")


# --- conflicts ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def conflict_list(request: HttpRequest) -> HttpResponse:
    _census_user(request)
    state = request.GET.get("state") or ConflictState.OPEN
    rows = queries.conflicts(request.user)
    if state in ConflictState.values:
        rows = rows.filter(state=state)
    context = {
        "state": state,
        "states": ConflictState.choices,
        "may_manage": request.user.can("census.manage"),
        **paginate(request, rows),
    }
    return render(request, "census/conflict_list.html", context)


@shows(CensusConflict)
@login_required
@require_http_methods(["GET", "POST"])
def conflict_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    _census_user(request)
    conflict = get_visible_or_404(
        request.user,
        CensusConflict.objects.select_related(
            "submission__county",
            "submission__round",
            "other_submission__county",
            "existing_member__home_organization",
            "existing_member__inflow_organization",
        ),
        pk=pk,
    )
    if not request.user.can("census.manage"):
        raise PermissionDenied
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accept = request.POST.get("decision") == "accept"
        with acting(request, success=_("Decision recorded."), form=form) as act:
            actions.resolve_conflict(
                by=request.user, conflict=conflict, accept=accept, note=form.cleaned_data["note"]
            )
        if act.ok:
            return redirect(reverse("census:conflicts"))
    return render(request, "census/conflict_resolve.html", {"conflict": conflict, "form": form})
