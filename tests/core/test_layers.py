"""The layers hold: import-linter's contracts (pyproject.toml, run by ``make test`` as
``lint-imports``) are kept, and they are the contracts the architecture names, without
exceptions. A new arrow against the layers fails here as it fails CI."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS_BELOW_WORKBENCH = [
    "liudong.core",
    "liudong.regions",
    "liudong.codes",
    "liudong.orgs",
    "liudong.accounts",
    "liudong.notifications",
    "liudong.members",
    "liudong.stations",
    "liudong.census",
    "liudong.activities",
    "liudong.assistance",
    "liudong.voice",
    "liudong.cycle",
    "liudong.analytics",
    "liudong.siting",
]


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {contract["id"]: contract for contract in config["contracts"]}


def test_import_contracts_are_kept() -> None:
    """``lint-imports`` as ``make test`` runs it (installed by the test extras)."""
    command = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_contracts_are_the_architecture_layers_without_exceptions() -> None:
    contracts = _contracts()
    layers = contracts["layers"]["layers"]
    order = [
        "liudong.workbench | liudong.demo",
        "liudong.siting",
        "liudong.analytics",
        "liudong.voice | liudong.cycle",
        "liudong.assistance | liudong.activities",
        "liudong.stations | liudong.census",
        "liudong.members",
        "liudong.notifications",
        "liudong.accounts",
        "liudong.orgs",
        "liudong.regions | liudong.codes",
        "liudong.core",
    ]
    assert [layer for layer in layers if layer in order] == order
    assert layers[0].startswith("liudong.settings")  # the project's modules above every app
    assert contracts["core-base"]["source_modules"] == ["liudong.core"]
    assert set(contracts["core-base"]["forbidden_modules"]) == {
        *APPS_BELOW_WORKBENCH[1:],
        "liudong.workbench",
        "liudong.demo",
    }
    assert set(contracts["no-demo"]["source_modules"]) == {
        *APPS_BELOW_WORKBENCH,
        "liudong.workbench",
    }
    assert contracts["no-demo"]["forbidden_modules"] == ["liudong.demo"]
    for contract in contracts.values():
        assert not contract.get("ignore_imports"), contract["id"]
