"""Generate the distribution map's simplified boundary files ahead of first use."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from liudong.analytics import mapdata


class Command(BaseCommand):
    help = "Write the map's boundary files (china, provinces, prefectures) under VAR_DIR."

    def handle(self, *args: Any, **options: Any) -> None:
        if mapdata.is_deployer_data():
            raise CommandError(
                "LIUDONG_MAP_DATA_DIR is set: the deployer's map data is used as it is."
            )
        written = mapdata.build()
        self.stdout.write(f"{len(written)} map files in {mapdata.data_dir()}.")
