"""Rotate the keys while readers read (issue 16 item 7a): a documented long run.

    LIUDONG_FIELD_KEY=<new> LIUDONG_FIELD_KEY_ID=k2 LIUDONG_OLD_FIELD_KEYS=k1:<old> \\
    LIUDONG_INDEX_KEY=<new index key> python benchmarks/rotate_while_reading.py \\
        [--readers 4] [--sample 300] [--batch 1000]

Against the database of the environment (DATABASE_URL, else var/liudong.sqlite3, loaded
with ``liudong load_demo --members N``), configured for a rotation as in
docs/operations.md: reader threads (each with its own connection) read members, find them
by ID number and find the owner of their phone (the sign-in lookup) in a loop, and compare
with what they found before; meanwhile `liudong rotate-field-key` runs. Prints the command's
figures, then the readers': reads, errors (an exception: a value nobody could decrypt),
misses (a lookup that found nobody: expected only within LIUDONG_INDEX_PROBE_SECONDS of the
swap, decision 190), wrong (found somebody else: never). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liudong.settings")


def reader(sample: list[tuple[int, str, str]], stop: threading.Event, out: dict) -> None:
    from django.db import connection

    from liudong.accounts.actions import _phone_for_login
    from liudong.accounts.phones import owner_of
    from liudong.members.actions.members import find_by_id_number
    from liudong.members.models import Member

    rng = random.Random(threading.get_ident())
    try:
        while not stop.is_set():
            pk, number, phone = rng.choice(sample)
            try:
                member = Member.objects.get(pk=pk)
                found = find_by_id_number(number)
                owner = owner_of(_phone_for_login(phone)[1]) if phone else member
            except Exception:  # noqa: BLE001 — counted: the figure the run is for
                out["errors"] += 1
                continue
            out["reads"] += 1
            if (member.id_number, member.phone) != (number, phone):
                out["wrong"] += 1
            if found is None or owner is None:
                out["misses"] += 1
            elif found.pk != pk:
                out["wrong"] += 1
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    from liudong.members.models import Member

    sample = [(m.pk, m.id_number, m.phone) for m in Member.objects.order_by("?")[: args.sample]]
    stop = threading.Event()
    figures = [{"reads": 0, "errors": 0, "misses": 0, "wrong": 0} for _ in range(args.readers)]
    threads = [threading.Thread(target=reader, args=(sample, stop, f)) for f in figures]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    out = io.StringIO()
    call_command("rotate_field_key", "--batch", str(args.batch), stdout=out)
    seconds = time.monotonic() - started
    time.sleep(1)
    stop.set()
    for thread in threads:
        thread.join()
    print(out.getvalue(), end="")
    command = json.loads(out.getvalue().strip().splitlines()[-1])
    total = {key: sum(f[key] for f in figures) for key in figures[0]}
    print(
        f"readers: {args.readers}, reads during the rotation: {total['reads']}, errors: "
        f"{total['errors']}, misses: {total['misses']}, wrong: {total['wrong']}"
    )
    print(
        json.dumps(
            {"readers": args.readers, "seconds": round(seconds, 2), **total, **command},
            sort_keys=True,
        )
    )


if __name__ == "__main__":
    main()
