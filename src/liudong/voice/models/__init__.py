"""Members' voice (issue 14): suggestions and development leads for the home county, policy
notices and the FAQ, job openings.

A suggestion goes to the member's home county (its organization department): the county
routes it to one of its departments, the department answers, the county approves the
answer, and only then the member reads it. The county sees its own suggestions, a department
user those routed to their department (the gate's owner lookups), the city all.

Notices are published by the city, a county or a station for an audience; members read them
on the phone and each reader is counted once (``NoticeRead``: the publisher sees counts,
never who). Job openings are posted by stations; members mark interest; staff record the
outcome.
"""

from liudong.voice.models.jobs import JobInterest, JobOpening, JobSource, Outcome
from liudong.voice.models.notices import (
    Audience,
    FaqEntry,
    Notice,
    NoticeAttachment,
    NoticeRead,
    PolicyTopic,
)
from liudong.voice.models.suggestions import (
    Department,
    DepartmentMembership,
    Suggestion,
    SuggestionAttachment,
    SuggestionKind,
    SuggestionStatus,
    SuggestionTopic,
)

__all__ = [
    "Audience",
    "Department",
    "DepartmentMembership",
    "FaqEntry",
    "JobInterest",
    "JobOpening",
    "JobSource",
    "Notice",
    "NoticeAttachment",
    "NoticeRead",
    "Outcome",
    "PolicyTopic",
    "Suggestion",
    "SuggestionAttachment",
    "SuggestionKind",
    "SuggestionStatus",
    "SuggestionTopic",
]
