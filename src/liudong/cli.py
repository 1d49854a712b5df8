"""The `liudong` console command: Django's manage.py with our commands beside it."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args == ["generate_field_key"]:
        # The key is made before the deployment's configuration exists: with
        # LIUDONG_ENV=production the settings refuse to load without it.
        from liudong.config import new_field_key

        print(new_field_key())
        return
    if args and args[0] == "rotate-field-key":  # the documented spelling (issue 16, 7a)
        args = ["rotate_field_key", *args[1:]]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liudong.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["liudong", *args])


if __name__ == "__main__":
    main()
