"""Print a new LIUDONG_FIELD_KEY (32 random bytes, URL-safe base64) for a deployment."""

from typing import Any

from django.core.management.base import BaseCommand

from liudong.config import new_field_key


class Command(BaseCommand):
    help = (
        "Print a new random key for LIUDONG_FIELD_KEY. Keep it safe: data can't be read without it."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(new_field_key())
