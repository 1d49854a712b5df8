"""The members' voice's figures (统计口径 written once, here), read by the dashboard card and
by the monthly report (analytics sits above voice and may call these).

- Suggestions: every suggestion and lead submitted in the period, counted by home county
  and by topic; *answered* means its answer was approved and published to the member;
  *time to answer* runs from submission to that approval, its median in days.
- Notices: published in the period; *readers* are distinct members with a read mark.
- Job openings: posted in the period; *interest* are distinct members' marks; *placed* and
  *not placed* the outcomes recorded by the stations.
All through the scope gate: a county counts its own, the city all.
"""

from __future__ import annotations

import datetime
import statistics
from typing import Any

from django.db.models import Count, Q, QuerySet

from liudong.core.scope import visible_to
from liudong.voice.models import (
    JobInterest,
    JobOpening,
    Notice,
    NoticeRead,
    Outcome,
    Suggestion,
    SuggestionStatus,
    SuggestionTopic,
)


def _period(rows: QuerySet, field: str, since: Any, until: Any) -> QuerySet:
    if since is not None:
        rows = rows.filter(**{f"{field}__date__gte": since})
    if until is not None:
        rows = rows.filter(**{f"{field}__date__lte": until})
    return rows


def suggestion_figures(
    user: Any,
    *,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    organization: Any = None,
) -> dict[str, Any]:
    """Suggestions in scope (for the counties under ``organization`` when given)."""
    rows = _period(visible_to(user, Suggestion.objects.all()), "submitted_at", since, until)
    if organization is not None:
        rows = rows.filter(county__path__startswith=organization.path)
    total = rows.count()
    answered = rows.filter(status=SuggestionStatus.PUBLISHED)
    durations = [
        (approved - submitted).total_seconds() / 86400
        for submitted, approved in answered.values_list("submitted_at", "approved_at")
        if approved is not None
    ]
    topics = dict(SuggestionTopic.choices)
    return {
        "total": total,
        "answered": len(durations),
        "share_answered": (len(durations) / total) if total else None,
        "median_days_to_answer": round(statistics.median(durations), 1) if durations else None,
        "adopted": rows.filter(adopted=True).count(),
        "leads": rows.exclude(kind="suggestion").count(),
        "by_county": [
            {"county": row["county__name"], "code": row["county__code"], "count": row["n"]}
            for row in rows.values("county__name", "county__code")
            .annotate(n=Count("id"))
            .order_by("county__code")
        ],
        "by_topic": [
            {
                "topic": row["topic"],
                "label": str(topics.get(row["topic"], row["topic"])),
                "count": row["n"],
            }
            for row in rows.values("topic").annotate(n=Count("id")).order_by("-n", "topic")
        ],  # fmt: skip
    }


def notice_figures(
    user: Any, *, since: datetime.date | None = None, until: datetime.date | None = None
) -> dict[str, Any]:
    rows = _period(visible_to(user, Notice.objects.all()), "published_at", since, until)
    return {
        "notices": rows.count(),
        "readers": NoticeRead.objects.filter(notice__in=rows).values("member").distinct().count(),
    }


def job_figures(
    user: Any, *, since: datetime.date | None = None, until: datetime.date | None = None
) -> dict[str, Any]:
    rows = _period(visible_to(user, JobOpening.objects.all()), "posted_at", since, until)
    marks = JobInterest.objects.filter(opening__in=rows).aggregate(
        interest=Count("id"),
        members=Count("member", distinct=True),
        placed=Count("id", filter=Q(outcome=Outcome.PLACED)),
        not_placed=Count("id", filter=Q(outcome=Outcome.NOT_PLACED)),
    )
    return {"openings": rows.count(), **marks}
