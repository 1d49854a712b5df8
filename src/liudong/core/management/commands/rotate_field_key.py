"""`liudong rotate-field-key`: re-encrypt the personal data under the current field key and
recompute the blind indexes under the current index key, in batches, while the service runs.

Run it after every process (web, worker, beat) has the new configuration: LIUDONG_FIELD_KEY
and LIUDONG_FIELD_KEY_ID the new key, LIUDONG_OLD_FIELD_KEYS the previous ones (they still
read). Resumable: interrupted, run it again. ``--check`` only counts (docs/operations.md).
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from liudong.core import audit, crypto, keyring


class Command(BaseCommand):
    help = (
        "Re-encrypt personal data under the current field key and recompute the blind "
        "indexes under the current index key (--check: count what is still under old keys)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="count only, change nothing")
        parser.add_argument("--batch", type=int, default=1000, help="rows per transaction")
        parser.add_argument(
            "--grace",
            type=float,
            default=None,
            help="seconds to wait after the index swap before the sweep (default: twice "
            "LIUDONG_INDEX_PROBE_SECONDS, the other processes' interval, plus one)",
        )

    def progress(self, what: str, rows: int) -> None:
        """A line every 50,000 rows: a long job shows it is moving."""
        if rows >= 50_000 and rows % 50_000 < self.batch:
            self.say(f"    … {what}: {rows} rows")

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        ring = crypto.ring()
        keys = crypto.index_keys()
        keyring.forget()
        in_effect = crypto.index_key_in_effect()
        olds = [k for k in ring.keys if k != ring.current_id]
        self.say(
            f"field key: current {ring.current_id or '(legacy, no id)'}; older keys: "
            f"{', '.join(k or '(legacy)' for k in olds) or 'none'}"
        )
        self.say(
            f"index key: current {keys[0].id}, in effect {in_effect.id}; "
            f"{len(keys) - 1} other candidate(s)"
        )
        if options["check"]:
            self.check_only(ring, keys[0], in_effect)
            return
        self.rotate(options["batch"], options["grace"], keys[0], in_effect)

    def check_only(self, ring: crypto.Ring, target: crypto.IndexKey, effect: Any) -> None:
        old_values = 0
        for model, fields in keyring.encrypted_fields():
            counts = keyring.count_keys(model, fields)
            old = sum(n for key_id, n in counts.items() if key_id != ring.current_id)
            old_values += old
            shown = ", ".join(f"{k or '(legacy)'}: {n}" for k, n in sorted(counts.items()))
            self.say(f"  {model._meta.label}: {shown or 'no values'}; under old keys: {old}")
        old_files = 0
        for store in keyring.stores.items():
            counts = store.count()
            old_files += sum(n for key_id, n in counts.items() if key_id != ring.current_id)
            self.say(f"  files {store.key}: {counts or 'none'}")
        figures = keyring.index_figures()
        for key, f in figures.items():
            self.say(f"  index {key}: {f['rows']} rows, next column filled: {f['next']}")
        summary = {
            "old_values": old_values,
            "old_files": old_files,
            "index_current": target.id,
            "index_in_effect": effect.id,
            "next_filled": sum(f["next"] for f in figures.values()),
        }
        self.say(json.dumps(summary, sort_keys=True))

    def rotate(self, batch: int, grace: float | None, target: Any, effect: Any) -> None:
        start = time.monotonic()
        self.batch = batch
        values = 0
        for model, fields in keyring.encrypted_fields():
            f = keyring.reencrypt(model, fields, batch, self.progress)
            values += f.changed
            rate = f.scanned / f.seconds if f.seconds else 0
            self.say(
                f"  {model._meta.label}: {f.changed} values re-encrypted in {f.scanned} rows "
                f"({f.seconds:.2f} s, {rate:.0f} rows/s)"
            )
        files = 0
        for store in keyring.stores.items():
            n = store.rotate()
            files += n
            self.say(f"  files {store.key}: {n} written again under the current key")
        swapped: dict[str, int] = {}
        fixed: dict[str, int] = {}
        leftover = sum(f["next"] for f in keyring.index_figures().values())
        if effect.id != target.id:
            t = time.monotonic()
            filled = keyring.fill(batch, self.progress)
            self.say(f"  index fill: {filled} ({time.monotonic() - t:.2f} s)")
            t = time.monotonic()
            swapped = keyring.swap()
            self.say(f"  index swap, one transaction: {swapped} ({time.monotonic() - t:.2f} s)")
            if grace is None:
                grace = 2 * float(getattr(settings, "LIUDONG_INDEX_PROBE_SECONDS", 2)) + 1
            time.sleep(grace)
        if effect.id != target.id or leftover:
            t = time.monotonic()
            fixed = keyring.sweep(batch)
            self.say(f"  index sweep, rows fixed: {fixed} ({time.monotonic() - t:.2f} s)")
            self.say(f"  next columns emptied: {keyring.cleanup(batch)}")
        keyring.forget()
        summary = {
            "values": values,
            "files": files,
            "indexes_swapped": sum(swapped.values()),
            "indexes_fixed": sum(fixed.values()),
            "index_key": crypto.index_key_in_effect().id,
            "seconds": round(time.monotonic() - start, 2),
        }
        with audit.action("keys.rotate"):
            audit.record("action", detail=json.dumps(summary, sort_keys=True)[:500])
        self.say(json.dumps(summary, sort_keys=True))
