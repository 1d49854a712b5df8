"""Census jobs in the embedded default: a thread of the web process, polled for progress,
cancellable. Runs with the browser tests because it needs committed data (another thread
reads the database)."""

from __future__ import annotations

import time
from typing import Any

from liudong.census import actions, jobs, progress
from liudong.census.models import CensusRound, CensusSubmission
from liudong.core.scope import SYSTEM
from liudong.demo.census import ROUND_NAME
from liudong.members.models import Member
from liudong.orgs.models import Organization
from tests.census.conftest import fresh_ids, row, upload, workbook_bytes


def wait_for(pk: int, states: set[str], seconds: float = 120) -> CensusSubmission:
    deadline = time.monotonic() + seconds
    seen: list[Any] = []
    while time.monotonic() < deadline:
        found = CensusSubmission.objects.get(pk=pk)
        live = progress.live(pk)
        if live:
            seen.append(live)
        if found.state in states:
            found.seen = seen
            return found
        time.sleep(0.05)
    raise AssertionError(f"still {found.state}")


def test_dry_run_and_commit_run_in_a_thread(
    transactional_db: Any, demo: Any, settings: Any, tmp_path: Any
) -> None:
    settings.LIUDONG_CENSUS_INLINE = False
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    assert jobs.mode() == "thread"
    county = demo("620821")
    branch = Organization.objects.filter(path__startswith=county.path, kind="branch")[0]
    census_round = CensusRound.objects.get(name=ROUND_NAME)
    rows = [row(id_number=i, organization=branch.name) for i in fresh_ids(3000)]
    submission = actions.submit_file(
        by=SYSTEM, census_round=census_round, county=county, upload=upload(workbook_bytes(rows))
    )
    jobs.start_dry_run(submission.pk)
    checked = wait_for(submission.pk, {"validated", "rejected"})
    assert checked.state == "validated" and checked.rows_new == 3000, checked.message
    assert checked.seen, "the page would have had progress to show"
    before = Member.objects.count()
    actions.request_commit(by=SYSTEM, submission=checked)
    jobs.start_commit(checked.pk)
    done = wait_for(checked.pk, {"committed", "validated"})
    assert done.state == "committed", done.message
    assert Member.objects.count() == before + 3000
