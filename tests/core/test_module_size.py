"""No module of the project grows past 500 lines (issue 11, item 8): a file that does is split
by topic, as ``members/actions/``, ``stations/actions/`` and ``census/actions/`` were (one module
per topic, Zulip's ``zerver/actions/`` being the model)."""

from __future__ import annotations

from pathlib import Path

import liudong

LIMIT = 500
SOURCE = Path(liudong.__file__).parent

# Today's other long files, each to be split when next worked on. Never add an actions module.
ALLOWED = {
    "demo/ledger.py",  # demo data builder
    "members/views_ledger.py",
    "members/api.py",
    "census/checker.py",
}


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _too_long() -> dict[str, int]:
    found = {}
    for path in sorted(SOURCE.rglob("*.py")):
        name = path.relative_to(SOURCE).as_posix()
        if "/migrations/" in f"/{name}":
            continue
        if (count := _lines(path)) > LIMIT:
            found[name] = count
    return found


def test_no_module_passes_the_limit_outside_the_allow_list() -> None:
    over = {name: count for name, count in _too_long().items() if name not in ALLOWED}
    assert not over, f"split these by topic (at most {LIMIT} lines each): {over}"


def test_no_actions_module_passes_the_limit() -> None:
    actions = [p for p in SOURCE.rglob("*.py") if "actions" in (p.stem, p.parent.name)]
    assert len(actions) > 20  # the three packages' modules and the other apps' actions.py
    over = {p.relative_to(SOURCE).as_posix(): n for p in actions if (n := _lines(p)) > LIMIT}
    assert not over, f"an actions module passed {LIMIT} lines, split it by topic: {over}"
    assert not [name for name in ALLOWED if "actions" in name]
