"""A compiled gated read kept by one process sees a tree change made by another (7b).

``core.compiled`` keeps the SQL of small gated reads per process, under the user's gate key
(``scope.gate_key``: the scope's kind and root paths) and the values the read is built
from. Two web nodes (or two gunicorn workers) each keep their own: an organization moved
through one must change what the other's kept statement answers, with no message between
them. It holds because kept statements compare the rows' organization paths with the
roots (``scope.path_form``), never a subtree's ids of the day, and a move rewrites the
paths in the database.

Process B (a Django process on the private cluster) answers the station workbench's card
of check-ins awaiting an answer (``stations.cards._to_answer``, decision 162) for the
Lingtai county administrator, whose scope (the county) does not change: none before;
process A moves station 05's mobile branch under Lingtai; B's same kept statement (no new
entry compiled) then answers with the check-in waiting at station 05.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from tests.faults.conftest import World, needs_private_servers
from tests.faults.servers import REPO

pytestmark = needs_private_servers

READER = """
import json, sys, django
django.setup()
from types import SimpleNamespace
from liudong.accounts.models import User
from liudong.core import compiled
from liudong.stations import cards

for _line in sys.stdin:
    user = User.objects.select_related("organization").get(username="lingtai")
    found = cards._to_answer(SimpleNamespace(user=user))
    print(json.dumps({"count": found["count"], "kept": len(compiled._COMPILED)}), flush=True)
"""

MOVE = """
from liudong.core.scope import SYSTEM
from liudong.orgs.actions import move_organization
from liudong.orgs.models import Organization
from liudong.stations.models import Station

branch = Station.objects.get(code="620800-ST05").branch
county = Organization.objects.get(code="620822")
move_organization(by=SYSTEM, organization=branch, new_parent=county)
print(Organization.objects.get(pk=branch.pk).path)
"""


def _ask(reader: subprocess.Popen[str]) -> dict[str, Any]:
    assert reader.stdin is not None and reader.stdout is not None
    reader.stdin.write("read\n")
    reader.stdin.flush()
    line = reader.stdout.readline()
    assert line, "the reading process ended"
    return json.loads(line)


def test_a_move_in_one_process_changes_what_the_other_kept_statement_answers(
    world: World,
) -> None:
    status, body, _ = world.app.fetch(
        "/api/v1/check-ins/",
        json_body={"station": "620800-ST05"},
        headers={"Authorization": f"Token {world.other_token}"},
    )
    assert status in (200, 201), body  # a check-in waits at station 05
    reader = subprocess.Popen(
        [sys.executable, "-c", READER],
        env=world.app.env,
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        before = _ask(reader)
        assert before["count"] == 0 and before["kept"] >= 1, before
        assert _ask(reader) == before  # kept: the same statement answers again

        moved_to = world.app.python(MOVE).strip().splitlines()[-1]  # process A
        county = world.pg.sql("SELECT path FROM orgs_organization WHERE code = '620822'")[0][0]
        assert moved_to.startswith(county)

        after = _ask(reader)
        assert after["kept"] == before["kept"], "no new statement: the kept one answered"
        assert after["count"] == 1, after
    finally:
        if reader.stdin is not None:
            reader.stdin.close()
        reader.wait(timeout=30)
