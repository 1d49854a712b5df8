"""The sample server files in deploy/ (docs/operations.md "Install on a server") agree with
the app and with each other: the environment file passes ``liudong check --deploy`` once
its placeholders are filled, and names only documented variables; the systemd units start
entry points that exist, with that environment file and its data folder; nginx passes what
the app expects of one proxy and accepts the largest census file; logs are kept at least
180 days (Cybersecurity Law §21)."""

from __future__ import annotations

import configparser
import importlib
import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

from celery import Celery
from django.conf import settings

from liudong.config import project_root

DEPLOY = project_root() / "deploy"
BIN = Path(sys.executable).parent
MIN_LOG_DAYS = 180


def env_file() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in (DEPLOY / "liudong.env").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(DEPLOY / "systemd" / name, encoding="utf-8")
    return parser


def nginx() -> str:
    return (DEPLOY / "nginx" / "liudong.conf").read_text(encoding="utf-8")


def test_the_environment_file_passes_the_deploy_check(tmp_path: Path) -> None:
    values = env_file()
    placeholders = {k for k, v in values.items() if "<" in v}
    assert {"SECRET_KEY", "LIUDONG_FIELD_KEY"} <= placeholders
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIUDONG_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(values)
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        LIUDONG_FIELD_KEY=secrets.token_urlsafe(32),
        # The check reads no database; a local file keeps it off the production address.
        DATABASE_URL=f"sqlite:///{tmp_path / 'check.sqlite3'}",
        LIUDONG_VAR_DIR=str(tmp_path / "var"),
    )
    done = subprocess.run(
        [str(BIN / "liudong"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_every_variable_of_the_environment_file_is_documented() -> None:
    documented = (project_root() / "docs" / "operations.md").read_text(encoding="utf-8")
    missing = [name for name in env_file() if f"`{name}`" not in documented]
    assert not missing, f"not in docs/operations.md's table: {missing}"


def test_the_units_start_entry_points_that_exist() -> None:
    values = env_file()
    for name in ("liudong-web.service", "liudong-worker.service", "liudong-beat.service"):
        service = unit(name)["Service"]
        assert service["EnvironmentFile"] == "/etc/liudong/liudong.env", name
        assert service["WorkingDirectory"] == values["LIUDONG_VAR_DIR"], name
        assert values["LIUDONG_VAR_DIR"] in service["ReadWritePaths"].split(), name
        assert service["User"] != "root", name
        command = shlex.split(service["ExecStart"])
        program = Path(command[0]).name
        if program == "gunicorn":
            config = command[command.index("-c") + 1]
            assert config.startswith("python:")
            importlib.import_module(config.removeprefix("python:"))
            module, _, attribute = command[-1].partition(":")
            assert hasattr(importlib.import_module(module), attribute or "application")
        else:
            assert program == "celery", name
            module = importlib.import_module(command[command.index("-A") + 1] + ".celery")
            assert isinstance(module.app, Celery), name
            assert command[command.index("-A") + 2] in {"worker", "beat"}


def test_nginx_passes_what_one_proxy_must() -> None:
    text = nginx()
    values = env_file()
    assert values["LIUDONG_PROXY_COUNT"] == "1"
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in text
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in text
    assert "proxy_set_header X-Request-ID" in text
    assert "server_tokens off;" in text
    upstream = re.search(r"upstream liudong_web \{\s*server ([\d.:]+);", text)
    assert upstream and upstream.group(1) == values["LIUDONG_BIND"]
    size = re.search(r"client_max_body_size (\d+)m;", text)
    # The app's own limit on a request's body (a clear 413 page) is the one that answers.
    assert size and int(size.group(1)) * 1024 * 1024 >= settings.LIUDONG_MAX_REQUEST_BYTES
    assert settings.LIUDONG_MAX_REQUEST_BYTES > settings.LIUDONG_CENSUS_MAX_UPLOAD_BYTES
    hosts = re.findall(r"server_name ([^;]+);", text)
    assert hosts and all(h == values["ALLOWED_HOSTS"] for h in hosts)
    assert f"https://{hosts[0]}" == values["CSRF_TRUSTED_ORIGINS"]


def test_logs_are_kept_at_least_180_days() -> None:
    rotate = (DEPLOY / "logrotate" / "liudong").read_text(encoding="utf-8")
    assert re.search(r"^\s*daily$", rotate, re.M)
    kept = re.search(r"^\s*rotate (\d+)$", rotate, re.M)
    assert kept and int(kept.group(1)) >= MIN_LOG_DAYS
    journal = configparser.ConfigParser()
    journal.read(DEPLOY / "journald" / "liudong.conf", encoding="utf-8")
    assert journal["Journal"]["Storage"] == "persistent"
    retention = re.fullmatch(r"(\d+)day", journal["Journal"]["MaxRetentionSec"])
    assert retention and int(retention.group(1)) >= MIN_LOG_DAYS
    for name in ("liudong-web.service", "liudong-worker.service", "liudong-beat.service"):
        assert unit(name)["Service"]["StandardOutput"] == "journal", name
    assert int(env_file()["LIUDONG_AUDIT_RETENTION_DAYS"]) >= MIN_LOG_DAYS
