"""The demo's members' voice: the seed's 60+ suggestions from the opening meetings, some
answered and adopted; departments and their logins; notices, FAQ, jobs; idempotent."""

from __future__ import annotations

from typing import Any

import pytest

from liudong.demo.voice import build_voice, department_logins
from liudong.voice.models import (
    Department,
    FaqEntry,
    JobInterest,
    JobOpening,
    Notice,
    NoticeRead,
    Suggestion,
)

pytestmark = pytest.mark.django_db


def test_the_demo_has_the_seeds_suggestions_and_the_rest(demo: Any) -> None:
    assert Suggestion.objects.count() >= 60
    assert Suggestion.objects.filter(station__isnull=False).count() == Suggestion.objects.count()
    assert Suggestion.objects.filter(status="published").exists()
    assert Suggestion.objects.filter(status="answered").exists()  # awaiting approval
    assert Suggestion.objects.filter(adopted=True).exists()
    assert Department.objects.values("county").distinct().count() == 7
    assert {login.username for login in department_logins()} == {"dept_jingchuan", "dept_lingtai"}
    assert Notice.objects.filter(audience="all").count() >= 4
    assert FaqEntry.objects.values("topic").distinct().count() >= 4
    assert NoticeRead.objects.exists()
    assert JobOpening.objects.count() >= 16
    assert JobInterest.objects.filter(outcome="placed").exists()
    assert JobInterest.objects.filter(outcome="not_placed").exists()


def test_a_second_run_writes_nothing(demo: Any) -> None:
    before = Suggestion.objects.count(), Notice.objects.count(), JobOpening.objects.count()
    assert build_voice() is None
    assert (
        Suggestion.objects.count(),
        Notice.objects.count(),
        JobOpening.objects.count(),
    ) == before
