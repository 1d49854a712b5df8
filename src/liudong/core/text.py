"""Text as people type it into spreadsheets and phones, made comparable."""

from __future__ import annotations

import unicodedata


def compact(value: object) -> str:
    """Full-width characters, spaces and lower case are common in spreadsheets: NFKC, no
    whitespace, upper case ("６２０ 821x" → "620821X")."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    # Normalized again after upper-casing: some letters upper-case to a letter and a
    # combining mark ("ǰ" → "J̌") that NFKC composes, so the result normalizes to itself.
    text = unicodedata.normalize("NFKC", "".join(text.split()).upper())
    return "".join(text.split())
