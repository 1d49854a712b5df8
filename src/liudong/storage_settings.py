"""Where private files live (``STORAGES["private"]``, decision 185), read by settings.py:
read and written only through it (``liudong.core.uploads``, ``census.files``); by default a
folder on this machine no web server serves; several web nodes share an S3-compatible store
(MinIO) when ``LIUDONG_S3_BUCKET`` is set (django-storages: the extra "s3")."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from liudong import config


def private_storage(var_dir: Path) -> dict[str, Any]:
    if not os.environ.get("LIUDONG_S3_BUCKET"):
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(var_dir / "private"), "directory_permissions_mode": 0o700},
        }
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["LIUDONG_S3_BUCKET"],
            "endpoint_url": os.environ.get("LIUDONG_S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("LIUDONG_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("LIUDONG_S3_SECRET_KEY") or None,
            "region_name": os.environ.get("LIUDONG_S3_REGION") or None,
            "location": os.environ.get("LIUDONG_S3_PREFIX", "private"),
            "file_overwrite": False,
            "querystring_auth": True,
            "addressing_style": "path",  # MinIO
            "verify": config.env_bool("LIUDONG_S3_VERIFY_TLS", default=True),
        },
    }
