"""A census commit killed (SIGKILL) in the middle of its transaction leaves nothing
(issue 16, item 4), on the private cluster.

A county's file of 3,000 new members is checked (the dry run), then committed by a process
of its own; once that process's transaction has begun writing the ledger (PostgreSQL holds
its lock on the flow records' table), it is killed. PostgreSQL rolls the transaction back:
the ledger's tables and the audit trail have the rows they had, the submission still says
"committing", and once counted as killed (``LIUDONG_CENSUS_STALE_SECONDS``) it is
committed again, whole.
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

ROWS = 3000

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

AGAIN = """
from liudong.census import actions
from liudong.census.models import CensusSubmission
from liudong.core.scope import SYSTEM

submission = CensusSubmission.objects.get(pk={pk})
actions.request_commit(by=SYSTEM, submission=submission)
print(actions.run_commit(submission.pk).state)
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
        time.sleep(0.3)  # a batch or two further into the transaction
        assert committer.poll() is None, "the commit ended before it was killed"
        committer.send_signal(signal.SIGKILL)
    finally:
        committer.wait(timeout=30)
    assert committer.returncode == -signal.SIGKILL

    assert world.pg.sql(COUNTS)[0] == before  # no member, record or audit row of it
    state = world.pg.sql(f"SELECT state FROM census_censussubmission WHERE id = {pk}")
    assert state == [["committing"]]

    world.app.env["LIUDONG_CENSUS_STALE_SECONDS"] = "0"  # counted as killed at once
    try:
        assert world.app.python(AGAIN.format(pk=pk)).strip().splitlines()[-1] == "committed"
    finally:
        del world.app.env["LIUDONG_CENSUS_STALE_SECONDS"]
    members, flows, _audit = world.pg.sql(COUNTS)[0]
    assert int(members) == int(before[0]) + ROWS and int(flows) == int(before[1]) + ROWS
