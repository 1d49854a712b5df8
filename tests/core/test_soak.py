"""Load and soak, bounded (issue 16 item 5): ``benchmarks/soak.py --quick`` in CI's
PostgreSQL pass.

The script builds its own database on the suite's PostgreSQL server (created and dropped by
it), starts gunicorn with the production settings file and drives 20 users for 20 seconds
with locust: members checking in on the phone page and through the app (a share of each
write sent twice with the same idempotency key), station staff confirming, administrators
browsing the ledgers, the dashboard and exporting. Then it looks for every write a client
saw accepted in the database. This test reads its last line: no error, nothing lost,
nothing duplicated, and something was written (a run that wrote nothing proves nothing).
The long run (100 users, 300 s) is a documented command (docs/performance.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
# The test run's own variables: the script sets its own database, settings and folders.
NOT_INHERITED = ("DJANGO_SETTINGS_MODULE", "LIUDONG_VAR_DIR", "REDIS_URL", "DEBUG")


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="gunicorn on PostgreSQL; runs in CI's PostgreSQL pass (.ci/run, DATABASE_URL=postgres://…)",
)
def test_a_bounded_soak_loses_and_duplicates_no_accepted_write() -> None:
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "soak.py"), "--quick"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    lines = done.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    print("\n".join(lines[:-1]))  # the figures, with -s: requests served, writes verified
    assert figures["db"] == "postgresql"
    assert {"users", "seconds", "requests", "errors", "lost", "duplicates", "p99_ms"} <= set(
        figures
    )
    assert figures["users"] == 20 and figures["seconds"] == 20
    report = "\n".join(lines[-45:-1])
    assert figures["errors"] == 0, report
    assert figures["lost"] == 0, report
    assert figures["duplicates"] == 0, report
    verified = figures["verified"]
    assert figures["requests"] > 0 and figures["writes"] > 0
    assert verified["check-ins"]["accepted"] > 0, report
    assert figures["kinds"]["phone: check in"]["n"] > 0
