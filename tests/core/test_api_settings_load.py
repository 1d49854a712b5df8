"""DRF's setting targets load whichever of them DRF imports first.

``rest_framework.views.APIView`` reads the parser setting while its class is defined. When the
parser lived in ``core.apiconf`` (which imports ``rest_framework.views``), a process whose first
DRF read was the pagination setting (Django's system checks, as ``makemigrations --check`` on a
fresh checkout) failed with a circular import. Each setting is read first in a new process.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SETTINGS = [
    "DEFAULT_PAGINATION_CLASS",
    "DEFAULT_PARSER_CLASSES",
    "EXCEPTION_HANDLER",
    "DEFAULT_AUTHENTICATION_CLASSES",
]

SCRIPT = """
import sys
import django
django.setup()
assert "rest_framework.views" not in sys.modules, "a view was imported before the setting"
from rest_framework.settings import api_settings
getattr(api_settings, sys.argv[1])
import rest_framework.generics  # everything DRF reads while defining its classes
print("loaded")
"""


@pytest.mark.parametrize("name", SETTINGS)
def test_each_drf_setting_loads_when_read_first(name: str, tmp_path: object) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "liudong.settings"}
    env.setdefault("LIUDONG_VAR_DIR", str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, name], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("loaded")
