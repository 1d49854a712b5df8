"""Census reads, through the scope gate: rounds, each county's progress (调度推进),
submissions, problems and conflicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db.models import Exists, OuterRef, QuerySet

from liudong.census.models import (
    CensusConflict,
    CensusEntry,
    CensusRound,
    CensusSubmission,
    ConflictState,
    SubmissionState,
)
from liudong.core import compiled
from liudong.core.scope import Scope, ScopeKind, rule_for, scope_filter, visible_to
from liudong.members.models import Member
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


# --- the read API's figures (issue 12, item 3) ------------------------------------------------

FOUND_OUTCOMES = ("new", "updated", "unchanged")


@dataclass
class RoundFigures:
    """A round as the API gives it: people found (committed members, in the reader's scope),
    whether every county committed, and each county's state."""

    round: CensusRound
    members_found: int = 0
    complete: bool = False
    counties: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        r = self.round
        return {
            "id": r.pk,
            "name": r.name,
            "state": r.state,
            "deadline": r.deadline.isoformat(),
            "opened_at": r.opened_at.isoformat() if r.opened_at else None,
            "closed_at": r.closed_at.isoformat() if r.closed_at else None,
            "members_found": self.members_found,
            "complete": self.complete,
            "counties": self.counties,
        }


def _committed_counties(round_ids: list[int]) -> dict[int, set[int]]:
    """Round -> the counties with a committed file in it (every county, not only the
    reader's: whether a round is complete is a fact of the round)."""
    found: dict[int, set[int]] = {pk: set() for pk in round_ids}
    rows = CensusSubmission.objects.filter(
        round_id__in=round_ids, state=SubmissionState.COMMITTED
    ).values_list("round_id", "county_id")
    for round_id, county_id in rows:
        found[round_id].add(county_id)
    return found


def all_counties() -> set[int]:
    return set(
        Organization.objects.filter(kind=OrgKind.COUNTY_COMMITTEE, active=True).values_list(
            "pk", flat=True
        )
    )


def members_found(user: Any, round_id: int, org_path: str = "") -> int:
    """People found by a round: distinct persons in the committed files the user may see.
    ``org_path``: only within this organization: the files of the counties under it; for an
    organization below a county, the found persons whose home or receiving side is in it
    (the caller checked that the organization is within the user's scope)."""
    every = CensusSubmission.objects.filter(round_id=round_id, state=SubmissionState.COMMITTED)
    committed = visible_to(user, every)
    entries = CensusEntry.objects.filter(outcome__in=FOUND_OUTCOMES)
    if org_path:
        under = committed.filter(county__path__startswith=org_path)
        if under.exists():
            committed = under
        else:
            # The members this organization sees, by the gate's own rule for members.
            within = scope_filter(Scope(ScopeKind.SUBTREE, roots=(org_path,)), rule_for(Member))
            ours = Member.objects.filter(within).values("id_number_index")
            entries = entries.filter(id_number_index__in=ours)
            committed = every
    entries = entries.filter(submission__in=committed.values("pk"))
    return entries.values("id_number_index").distinct().count()


def round_figures(user: Any, rounds: list[CensusRound]) -> list[RoundFigures]:
    """The rounds with their figures, scoped through the gate."""
    ids = [r.pk for r in rounds]
    committed = _committed_counties(ids)
    every = all_counties()
    counties = list(counties_for(user))
    subs: dict[tuple[int, int], list[CensusSubmission]] = {}
    for sub in submissions(user).filter(round_id__in=ids).order_by("uploaded_at", "id"):
        subs.setdefault((sub.round_id, sub.county_id), []).append(sub)
    result = []
    for census_round in rounds:
        figures = RoundFigures(census_round)
        figures.complete = bool(every) and every <= committed[census_round.pk]
        figures.members_found = members_found(user, census_round.pk)
        for county in counties:
            files = subs.get((census_round.pk, county.pk), [])
            current = [s for s in files if s.state != SubmissionState.SUPERSEDED]
            latest = current[-1] if current else None
            figures.counties.append(
                {
                    "code": county.code,
                    "name": county.name,
                    "status": latest.state if latest else "not_submitted",
                    "committed": any(s.state == SubmissionState.COMMITTED for s in files),
                    "files": len(files),
                    "rows_committed": sum(
                        s.rows_found for s in files if s.state == SubmissionState.COMMITTED
                    ),
                }
            )
        result.append(figures)
    return result


class RoundRef(NamedTuple):
    pk: int
    name: str


def latest_complete_round() -> RoundRef | None:
    """The most recent round every county committed (the highest id among them): a round
    with an active county and no active county without a committed file in it. One
    statement, compiled once per process (a fact of the rounds, the same for every reader:
    a dashboard asks on every uncached view)."""

    def build() -> QuerySet:
        counties = Organization.objects.filter(kind=OrgKind.COUNTY_COMMITTEE, active=True)
        committed = CensusSubmission.objects.filter(
            round_id=OuterRef(OuterRef("pk")),
            county_id=OuterRef("pk"),
            state=SubmissionState.COMMITTED,
        )
        missing = counties.filter(~Exists(committed))
        return (
            CensusRound.objects.filter(Exists(counties), ~Exists(missing))
            .order_by("-id")
            .values_list("pk", "name")[:1]
        )

    found = compiled.rows(("census.latest_complete_round",), build)
    return RoundRef(*found[0]) if found else None
