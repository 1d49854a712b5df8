"""Configuration from the environment, with secrets kept under ./var/ for the embedded default."""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The checkout's root when run from a source tree, else the working directory."""
    candidate = PACKAGE_DIR.parent.parent
    if (candidate / "pyproject.toml").exists():
        return candidate
    return Path.cwd()


def var_dir() -> Path:
    path = Path(os.environ.get("LIUDONG_VAR_DIR") or project_root() / "var")
    path.mkdir(parents=True, exist_ok=True)
    return path


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def is_production() -> bool:
    return os.environ.get("LIUDONG_ENV", "").strip().lower() == "production"


def _generate_secrets() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "LIUDONG_FIELD_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    }


def local_secrets() -> dict[str, str]:
    """Secrets generated once into var/secrets.json and kept (embedded default only)."""
    path = var_dir() / "secrets.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    values = _generate_secrets()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(values, indent=2), encoding="utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return values


REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "LIUDONG_FIELD_KEY", "DATABASE_URL", "ALLOWED_HOSTS")


def secret(name: str) -> str:
    """An explicit secret from the environment; in production nothing else is accepted."""
    value = os.environ.get(name, "")
    if value:
        return value
    if is_production():
        raise ImproperlyConfigured(
            f"{name} must be set when LIUDONG_ENV=production (see docs/operations.md)."
        )
    return local_secrets()[name]


def check_production_environment() -> None:
    if not is_production():
        return
    missing = [name for name in REQUIRED_IN_PRODUCTION if not os.environ.get(name)]
    if missing:
        raise ImproperlyConfigured(
            "LIUDONG_ENV=production refuses to start without: "
            + ", ".join(missing)
            + " (see docs/operations.md)."
        )
    if not _is_strong_key(os.environ["LIUDONG_FIELD_KEY"]):
        raise ImproperlyConfigured(
            "LIUDONG_FIELD_KEY must be 32 random bytes, URL-safe base64 encoded "
            "(generate one with `liudong generate_field_key`)."
        )
    # Key rotation (issue 16 item 7a): the index key and the older field keys are keys too.
    olds = [item.partition(":")[2] for item in env_list("LIUDONG_OLD_FIELD_KEYS", [])]
    index = [os.environ["LIUDONG_INDEX_KEY"]] if os.environ.get("LIUDONG_INDEX_KEY") else []
    if not all(_is_strong_key(key) for key in olds + index):
        raise ImproperlyConfigured(
            "LIUDONG_INDEX_KEY and the keys in LIUDONG_OLD_FIELD_KEYS must be 32 random bytes, "
            "URL-safe base64 encoded (generate them with `liudong generate_field_key`)."
        )
    if env_bool("DEBUG"):
        raise ImproperlyConfigured("DEBUG must be off when LIUDONG_ENV=production.")


def _is_strong_key(value: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))) == 32
    except (ValueError, TypeError):
        return False


def new_field_key() -> str:
    return _generate_secrets()["LIUDONG_FIELD_KEY"]
