"""A census commit killed (SIGKILL) in the middle of its transaction leaves nothing
(issue 16, item 4), on the private cluster.

A county's file of 2,000 new members is checked (the dry run), then committed by a process
of its own; once that process's transaction has begun writing the ledger (PostgreSQL holds
its lock on the flow records' table), it is killed. PostgreSQL rolls the transaction back:
the ledger's tables and the audit trail have the rows they had, and the submission still
says "committing" (counted as killed after ``LIUDONG_CENSUS_STALE_SECONDS``, then
committed again: ``tests/census/test_import.py`` and ``test_interrupted_commits.py``).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from tests.faults.conftest import World, needs_private_servers
from tests.faults.servers import REPO

pytestmark = needs_private_servers

ROWS = 2000  # two of the commit's write batches

SUBMIT = f"""
import datetime, json
from liudong.census import actions
from liudong.census.models import CensusRound
from liudong.core.scope import SYSTEM
from liudong.orgs.models import Organization
from tests.census.conftest import fresh_ids, row, upload, workbook_bytes

county = Organization.objects.get(code="620821")
branches = Organization.objects.filter(path__startswith=county.path, kind="branch")
branch = branches.order_by("code")[0]
census_round = CensusRound.objects.create(
    name="中断测试", deadline=datetime.date.today() + datetime.timedelta(days=30)
)
rows = [row(id_number=i, organization=branch.name) for i in fresh_ids({ROWS}, place="620821")]
submission = actions.submit_file(
    by=SYSTEM, census_round=census_round, county=county, upload=upload(workbook_bytes(rows))
)
submission = actions.run_dry_run(submission.pk)
assert submission.rows_new == {ROWS}, (submission.state, submission.message)
actions.request_commit(by=SYSTEM, submission=submission)  # queued: no worker takes it
print(json.dumps({{"pk": submission.pk}}))
"""

COMMIT = """
import sys, django
django.setup()
from liudong.census import actions
actions.run_commit(int(sys.argv[1]))
"""

COUNTS = (
    "SELECT (SELECT count(*) FROM members_member), (SELECT count(*) FROM members_flowrecord),"
    " (SELECT count(*) FROM core_auditevent)"
)
WRITING = (
    "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
    " WHERE c.relname = 'members_flowrecord' AND l.mode = 'RowExclusiveLock' AND l.granted"
)


def test_a_census_commit_killed_mid_transaction_leaves_nothing(world: World) -> None:
    pk = json.loads(world.app.python(SUBMIT).strip().splitlines()[-1])["pk"]
    before = world.pg.sql(COUNTS)[0]
    committer = subprocess.Popen(
        [sys.executable, "-c", COMMIT, str(pk)], env=world.app.env, cwd=REPO
    )
    try:
        deadline = time.monotonic() + 120
        while world.pg.sql(WRITING)[0][0] == "0":
            assert committer.poll() is None, "the commit ended before it was seen writing"
            assert time.monotonic() < deadline, "the commit never began writing"
            time.sleep(0.05)
        time.sleep(0.1)  # the ledger's rows being written
        assert committer.poll() is None, "the commit ended before it was killed"
        committer.send_signal(signal.SIGKILL)
    finally:
        committer.wait(timeout=30)
    assert committer.returncode == -signal.SIGKILL

    assert world.pg.sql(COUNTS)[0] == before  # no member, record or audit row of it
    print(f"census commit of {ROWS} rows killed mid-transaction: 0 rows kept")
    state = world.pg.sql(f"SELECT state FROM census_censussubmission WHERE id = {pk}")
    assert state == [["committing"]]
