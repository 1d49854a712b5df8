"""What the tests that start processes of their own share (the production deploy, the fault
tests' private servers): the test run's variables a started app must not inherit, and a free
port on 127.0.0.1."""

from __future__ import annotations

import os
import socket

# Variables of the test run that must not leak into an app started by a test (it has its own).
NOT_INHERITED = (
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SETTINGS_MODULE",
    "LIUDONG_VAR_DIR",
    "DEBUG",
    "LIUDONG_ENV",
    "LIUDONG_CENSUS_INLINE",
)


def own_environment() -> dict[str, str]:
    """This process's environment without :data:`NOT_INHERITED`."""
    return {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
