"""Census reads, through the scope gate: rounds, each county's progress (调度推进),
submissions, problems and conflicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from liudong.census.models import (
    CensusConflict,
    CensusRound,
    CensusSubmission,
    ConflictState,
    SubmissionState,
)
from liudong.core.scope import visible_to
from liudong.orgs.models import Organization, OrgKind

TAGS = {
    SubmissionState.COMMITTED: "ld-tag-green",
    SubmissionState.VALIDATED: "ld-tag-amber",
    SubmissionState.REJECTED: "ld-tag-red",
    SubmissionState.QUEUED: "ld-tag-grey",
    SubmissionState.VALIDATING: "ld-tag-grey",
    SubmissionState.COMMITTING: "ld-tag-grey",
}


def counties_for(user: Any) -> QuerySet:
    """The county committees the user may see (the city: all of them)."""
    return visible_to(user, Organization.objects.filter(kind=OrgKind.COUNTY_COMMITTEE)).order_by(
        "code"
    )


def submissions(user: Any) -> QuerySet:
    return visible_to(
        user, CensusSubmission.objects.select_related("county", "round", "uploaded_by")
    )


def conflicts(user: Any) -> QuerySet:
    return visible_to(
        user,
        CensusConflict.objects.select_related(
            "county",
            "submission__county",
            "submission__round",
            "other_submission__county",
            "existing_member__home_organization",
            "asked_for",
        ),
    )


def claims_of(submission: CensusSubmission) -> QuerySet:
    """The people a (visible) submission claims who belong elsewhere: the round's entries for
    them, one per person and county, kept up to date by the county's latest file."""
    claimed = submission.entries.filter(outcome="conflict").values("id_number_index")
    return (
        CensusConflict.objects.filter(
            round_id=submission.round_id,
            county_id=submission.county_id,
            id_number_index__in=claimed,
        )
        .select_related("other_submission__county")
        .order_by("row_number", "id")
    )


@dataclass
class CountyProgress:
    county: Organization
    latest: CensusSubmission | None = None
    submitted: int = 0
    committed: int = 0
    members_found: int = 0  # rows of committed files: new + updated + unchanged
    awaiting_commit: int = 0
    errors_outstanding: int = 0  # rejected rows of the latest uncommitted check
    conflicts_open: int = 0
    history: list[CensusSubmission] = field(default_factory=list)

    @property
    def tag(self) -> str:
        return TAGS.get(self.latest.state, "ld-tag-grey") if self.latest else "ld-tag-grey"


def round_progress(user: Any, census_round: CensusRound) -> tuple[list[CountyProgress], dict]:
    """Per county: what it submitted, checked and committed in the round; and the totals."""
    rows = {c.pk: CountyProgress(c) for c in counties_for(user)}
    subs = submissions(user).filter(round=census_round).order_by("uploaded_at", "id")
    for sub in subs:
        progress = rows.get(sub.county_id)
        if progress is None:
            continue
        progress.history.append(sub)
        progress.submitted += 1
        if sub.state != SubmissionState.SUPERSEDED:
            progress.latest = sub
        if sub.state == SubmissionState.COMMITTED:
            progress.committed += 1
            progress.members_found += sub.rows_found
        if sub.state == SubmissionState.VALIDATED:
            progress.awaiting_commit += 1
    for progress in rows.values():
        latest = progress.latest
        if latest is not None and latest.state in (
            SubmissionState.VALIDATED,
            SubmissionState.REJECTED,
        ):
            progress.errors_outstanding = latest.rows_rejected or latest.problem_count
        progress.history.reverse()
    open_conflicts = conflicts(user).filter(round=census_round, state=ConflictState.OPEN)
    for county_id in open_conflicts.values_list("county_id", flat=True):
        if county_id in rows:
            rows[county_id].conflicts_open += 1
    result = list(rows.values())
    totals = {
        "counties": len(result),
        "submitted": sum(1 for r in result if r.submitted),
        "validated": sum(1 for r in result if r.awaiting_commit or r.committed),
        "committed": sum(1 for r in result if r.committed),
        "members_found": sum(r.members_found for r in result),
        "errors_outstanding": sum(r.errors_outstanding for r in result),
        "conflicts_open": sum(r.conflicts_open for r in result),
    }
    return result, totals
