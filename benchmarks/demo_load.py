"""Benchmark: `liudong load_demo` from an empty database, the demo ledger entering through
the census (decision 102).

    python benchmarks/demo_load.py [--members N] [--database-url URL]

Runs ``liudong migrate`` and then ``liudong load_demo`` in a fresh variable directory (its
own SQLite database by default; ``--database-url`` names a PostgreSQL database, which must
exist and be empty), as ``make demo`` does. Prints the wall time of the load, the ledger's
part as the command reports it (the census import: seven workbooks written, uploaded, dry
run and committed, then the states, contacts, hand-offs and check-ins), the census line,
and as its last line one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def liudong() -> list[str]:
    found = shutil.which("liudong")
    if found:
        return [found]
    return [sys.executable, "-m", "django"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=0, help="ledger size (default 5998)")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="liudong-demo-load-"))
    env = dict(os.environ, LIUDONG_VAR_DIR=str(var))
    env.setdefault("DJANGO_SETTINGS_MODULE", "liudong.settings")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    env.pop("DATABASE_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    vendor = "postgresql" if args.database_url.startswith("postgres") else "sqlite"
    try:
        subprocess.run([*liudong(), "migrate", "-v0"], env=env, check=True)
        command = [*liudong(), "load_demo", "--quiet-logins"]
        if args.members:
            command += ["--members", str(args.members)]
        started = time.perf_counter()
        done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
        seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(var, ignore_errors=True)
    out = done.stdout
    ledger = re.search(r"Ledger \(([\d.]+) s\): (\d+) members", out)
    census = re.search(r"Census: the ledger entered through .*?(\d+) county files committed, "
                       r"(\d+) members found", out)  # fmt: skip
    for line in out.splitlines():
        if line.startswith(("Ledger", "Census", "  open records")):
            print(line)
    result = {
        "benchmark": "demo_load",
        "database": vendor,
        "load_demo_s": round(seconds, 1),
        "ledger_s": float(ledger.group(1)) if ledger else None,
        "members": int(ledger.group(2)) if ledger else None,
        "census_files": int(census.group(1)) if census else None,
        "members_found": int(census.group(2)) if census else None,
    }
    print(f"load_demo: {seconds:.1f} s on {vendor} (ledger part {result['ledger_s']} s)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
