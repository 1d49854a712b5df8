"""Shared fixtures: places and the demo tree are loaded once per test database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

# The test database's ledger: every group and status in every county, built in seconds.
DEMO_LEDGER_MEMBERS = 210


def _load_reference_and_demo() -> None:
    from liudong.demo import census, ledger, tree
    from liudong.regions.models import Place

    if not Place.objects.exists():
        call_command("load_places", verbosity=0)
    call_command("load_codes", verbosity=0)
    tree.build()
    ledger.build_ledger(total=DEMO_LEDGER_MEMBERS)
    census.build_census()
    from liudong.demo.transfers import build_transfers

    build_transfers()
    from liudong.demo.statistics import build_demo as build_statistics

    build_statistics()
    from liudong.demo.activities import build_activities

    build_activities()
    from liudong.demo.cycle import build_cycle

    build_cycle()
    from liudong.demo.notifications import build_notifications

    build_notifications()
    from liudong.demo.voice import build_voice

    build_voice()
    from liudong.demo.siting import build_plans

    build_plans()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    from django.conf import settings

    # A fast hash for the test run only: the demo creates two dozen accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock():
        _load_reference_and_demo()


@pytest.fixture
def demo(db: Any) -> Callable[[str], Any]:
    """Look up demo organizations and users: demo("620821") / demo("user:jingchuan")."""
    from liudong.accounts.models import User
    from liudong.orgs.models import Organization

    if not Organization.objects.filter(code="620800").exists():
        # A transactional test before this one flushed the database: build again.
        _load_reference_and_demo()

    def get(key: str) -> Any:
        if key.startswith("user:"):
            return User.objects.get(username=key[5:])
        return Organization.objects.get(code=key)

    return get


@pytest.fixture
def login(db: Any, demo: Any) -> Callable[[str], Client]:
    """A test client signed in as a demo user (by user name)."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(demo(f"user:{username}"))
        return client

    return make


# --- No personal data in logs (issue 16, decision 183) -------------------------------------
# Every log record of the whole run passes a watch on the root logger (and on the loggers
# that do not propagate to it, Django's request-server log among them): a record whose
# message or traceback holds an 18-character ID number or a mainland mobile number is
# noted with the test that made it, and the run fails at its end, listing them. The
# patterns stand alone (no letter or digit either side), so hashes, hex ids, timestamps
# and longer numbers do not count; masked values (138****1001) do not match.
import logging as _logging  # noqa: E402
import re as _re  # noqa: E402

PERSONAL_DATA_PATTERNS = {
    "ID number": _re.compile(r"(?<![0-9A-Za-z.])\d{17}[\dXx](?![0-9A-Za-z])"),
    "mobile number": _re.compile(r"(?<![0-9A-Za-z.])1[3-9]\d{9}(?![0-9A-Za-z])"),
}
_PERSONAL_DATA_SEEN: list[str] = []
_PERSONAL_DATA_TEST = ["(outside any test)"]


def personal_data_in(text: str) -> list[str]:
    """What of the patterns ``text`` holds: ["ID number", ...] (empty: nothing)."""
    return [name for name, pattern in PERSONAL_DATA_PATTERNS.items() if pattern.search(text)]


class _PersonalDataWatch(_logging.Handler):
    def emit(self, record: _logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a record that cannot format: its raw parts
            text = f"{record.msg} {record.args}"
        if record.exc_info and not record.exc_text:
            text += "\n" + _logging.Formatter().formatException(record.exc_info)
        elif record.exc_text:
            text += "\n" + record.exc_text
        found = personal_data_in(text)
        if found:
            line = text.splitlines()[0][:200] if text else ""
            _PERSONAL_DATA_SEEN.append(
                f"{_PERSONAL_DATA_TEST[0]}: {record.name} {record.levelname} "
                f"({', '.join(found)}): {line}"
            )


_PERSONAL_DATA_HANDLER = _PersonalDataWatch(level=_logging.DEBUG)


def _watch_every_logger() -> None:
    """On the root and on every logger that keeps its records from it (again before each
    test: Django's logging setup, or a test's, may have replaced the root's handlers)."""
    loggers = [_logging.getLogger()] + [
        logger
        for logger in list(_logging.Logger.manager.loggerDict.values())
        if isinstance(logger, _logging.Logger) and not logger.propagate
    ]
    for logger in loggers:
        if _PERSONAL_DATA_HANDLER not in logger.handlers:
            logger.addHandler(_PERSONAL_DATA_HANDLER)


def pytest_sessionstart(session: Any) -> None:
    _watch_every_logger()


def pytest_runtest_setup(item: Any) -> None:
    _PERSONAL_DATA_TEST[0] = item.nodeid
    _watch_every_logger()


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    if _PERSONAL_DATA_SEEN and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _PERSONAL_DATA_SEEN:
        terminalreporter.section("personal data in logs", sep="=", red=True, bold=True)
        for line in _PERSONAL_DATA_SEEN[:50]:
            terminalreporter.line(line)
        terminalreporter.line(
            f"{len(_PERSONAL_DATA_SEEN)} log records hold an ID or mobile number: the run "
            "fails (tests/conftest.py, decision 183). Mask them (liudong.core.crypto)."
        )
    else:
        terminalreporter.write_line("personal data in logs: no record held an ID or mobile number")


class _Noted:
    def __init__(self) -> None:
        self.start = len(_PERSONAL_DATA_SEEN)

    def take(self) -> list[str]:
        """The records noted since the watch began, taken out of the run's list."""
        noted = _PERSONAL_DATA_SEEN[self.start :]
        del _PERSONAL_DATA_SEEN[self.start :]
        return noted


@pytest.fixture
def personal_data_watch() -> Any:
    """For the tests that prove the watch itself: ``.take()`` the records it noted."""
    watch = _Noted()
    yield watch
    watch.take()


# --- end of the personal-data watch ----------------------------------------------------------
