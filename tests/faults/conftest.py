"""The fault tests' world: a private PostgreSQL cluster and redis-server, the app on them.

Built once for the package (initdb, migrate, the demo tree, one member who can
check in at station 05), about 30 s. These tests run in CI's PostgreSQL pass (.ci/run):
they start their own servers whatever the suite's database is, but one pass is enough,
and the PostgreSQL pass is the one whose machine is set up for PostgreSQL.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.faults.servers import App, PrivatePostgres, PrivateRedis, available

PASSWORD = "Faults-test-2026-pw"

# One member with an account, an open record and an API token; the city's administrator
# with a password (the sign-in form); the tree and stations of the demo.
SETUP = f"""
import json
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("load_places", verbosity=0)
from liudong.demo import tree
tree.build()
from liudong.accounts.models import User
from liudong.orgs.models import Organization
from rest_framework.authtoken.models import Token
from tests.stations.helpers import member_with_account

def demo(key):
    if key.startswith("user:"):
        return User.objects.get(username=key[5:])
    return Organization.objects.get(code=key)

user, member, flow = member_with_account(demo)
other, _member, _flow = member_with_account(demo)
city = User.objects.get(username="city")
city.set_password({PASSWORD!r})
city.save()
print(json.dumps({{"token": Token.objects.create(user=user).key,
                  "other_token": Token.objects.create(user=other).key}}))
"""


def postgres_pass() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


# One pass is enough: the SQLite pass leaves them to the PostgreSQL pass, where a machine
# without the servers' binaries fails them (the world below) instead of skipping them.
needs_private_servers = pytest.mark.skipif(
    not postgres_pass(),
    reason="private PostgreSQL and Redis servers: run once, in CI's PostgreSQL pass (.ci/run, "
    "DATABASE_URL=postgres://…)",
)


@dataclass
class World:
    pg: PrivatePostgres
    redis: PrivateRedis
    app: App
    token: str  # a member's API token (the outage tests)
    other_token: str  # another member's (the compiled reads' test)


@pytest.fixture(scope="package")
def world(tmp_path_factory: Any) -> Iterator[World]:
    missing = available()
    if missing is not None:
        pytest.fail(f"the fault tests cannot start their servers: {missing}")
    root: Path = tmp_path_factory.mktemp("faults")
    pg, redis = PrivatePostgres(), PrivateRedis()
    app: App | None = None
    started = time.monotonic()
    try:
        pg.init()
        pg.start()
        pg.create_database()
        redis.start()
        app = App(
            root,
            pg.url(),
            redis.url(),
            # A new check-in's notice to the station's staff goes by SMS too: a Celery task.
            LIUDONG_NOTIFY_SMS_KINDS="checkin.pending=SMS_0001",
        )
        facts = json.loads(app.python(SETUP).strip().splitlines()[-1])
        app.start()
        print(f"private PostgreSQL, Redis and app ready in {time.monotonic() - started:.0f} s")
        yield World(pg, redis, app, facts["token"], facts["other_token"])
    finally:
        if app is not None:
            app.stop()
        redis.stop()
        pg.destroy()
