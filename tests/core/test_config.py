"""Configuration from the environment: kept local secrets, production refusals, deploy check."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from liudong import config


def run_liudong(
    args: list[str], env: dict[str, str], tmp_path: Path
) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "SECRET_KEY",
            "LIUDONG_FIELD_KEY",
            "ALLOWED_HOSTS",
            "LIUDONG_ENV",
            "DEBUG",
            "REDIS_URL",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests in the same process
        }
    }
    base["LIUDONG_VAR_DIR"] = str(tmp_path / "var")
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "liudong.cli", *args],
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(tmp_path: Path) -> dict[str, str]:
    return {
        "LIUDONG_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "LIUDONG_FIELD_KEY": config.new_field_key(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "ALLOWED_HOSTS": "dj.pingliang.gov.cn",
    }


def test_local_secrets_are_generated_once_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIUDONG_VAR_DIR", str(tmp_path))
    first = config.local_secrets()
    second = config.local_secrets()
    assert first == second
    stored = json.loads((tmp_path / "secrets.json").read_text())
    assert stored["SECRET_KEY"] == first["SECRET_KEY"]
    assert oct((tmp_path / "secrets.json").stat().st_mode & 0o777) == "0o600"


def test_production_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    result = run_liudong(["check"], {"LIUDONG_ENV": "production"}, tmp_path)
    assert result.returncode != 0
    assert "refuses to start without" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_weak_field_key(tmp_path: Path) -> None:
    env = production_env(tmp_path) | {"LIUDONG_FIELD_KEY": "short"}
    result = run_liudong(["check"], env, tmp_path)
    assert result.returncode != 0 and "LIUDONG_FIELD_KEY" in result.stderr


def test_production_refuses_a_weak_index_key_or_old_field_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    for name, value in production_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LIUDONG_FIELD_KEY_ID", "k2")
    monkeypatch.setenv("LIUDONG_OLD_FIELD_KEYS", f"k1:{config.new_field_key()}")
    monkeypatch.setenv("LIUDONG_INDEX_KEY", config.new_field_key())
    config.check_production_environment()  # strong keys: accepted
    for name, value in (
        ("LIUDONG_INDEX_KEY", "short"),
        ("LIUDONG_OLD_FIELD_KEYS", f"k1:{config.new_field_key()},k0:short"),
    ):
        with monkeypatch.context() as patch:
            patch.setenv(name, value)
            with pytest.raises(ImproperlyConfigured, match="LIUDONG_INDEX_KEY"):
                config.check_production_environment()


def test_check_deploy_passes_clean_in_production(tmp_path: Path) -> None:
    result = run_liudong(["check", "--deploy"], production_env(tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout + result.stderr


def test_redis_url_switches_cache_sessions_and_broker(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s; import json; print(json.dumps("
        "[s.CACHES['default']['BACKEND'], s.SESSION_ENGINE, s.CELERY_BROKER_URL,"
        " s.CELERY_TASK_ALWAYS_EAGER]))"
    )
    env = {"REDIS_URL": "redis://127.0.0.1:6379/5"}
    result = run_liudong(["shell", "-c", code], env, tmp_path)
    assert result.returncode == 0, result.stderr
    backend, sessions, broker, eager = json.loads(result.stdout.strip().splitlines()[-1])
    # Sessions stay in the database: a Redis outage signs nobody out (decision 175).
    assert backend.endswith("RedisCache") and sessions.endswith(".db")
    assert broker.startswith("redis://") and eager is False
    result = run_liudong(["shell", "-c", code], {}, tmp_path)
    backend, sessions, broker, eager = json.loads(result.stdout.strip().splitlines()[-1])
    assert backend.endswith("LocMemCache") and eager is True


def test_time_zone_and_language_defaults() -> None:
    from django.conf import settings

    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]


def test_redis_cache_and_sessions_work_against_a_real_redis(tmp_path: Path) -> None:
    # Sessions are in the database with Redis too (decision 175): their table first.
    code = (
        "from django.core.cache import cache; from importlib import import_module;"
        "from django.conf import settings as s; from django.core.management import call_command;"
        "call_command('migrate', 'sessions', verbosity=0);"
        "cache.set('liudong-test-key', 'ok', 30); v = cache.get('liudong-test-key');"
        "store = import_module(s.SESSION_ENGINE).SessionStore(); store['x'] = 1; store.save();"
        "again = import_module(s.SESSION_ENGINE).SessionStore(session_key=store.session_key);"
        "print(v, again['x'])"
    )
    result = run_liudong(["shell", "-c", code], {"REDIS_URL": "redis://127.0.0.1:6379/7"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "ok 1"


def test_openapi_schema_generates_without_warnings(tmp_path: Path) -> None:
    result = run_liudong(
        ["spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")],
        {},
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "/api/v1/organizations/{id}/move/" in (tmp_path / "schema.yaml").read_text()
