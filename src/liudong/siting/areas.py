"""The plan's areas in words: a destination filter and per-city quotas ("县级联动"), read from a
code or a name, refused in words when unknown (decision 197).

A destination is a province, a city (prefecture) or a county, kept as the code prefix the
filter reads ("61", "6101", "610113"). A quota names a city and the least stations there:
the model groups candidates by their county's city (``queries.candidate_sites``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import Q
from django.utils.translation import gettext as _

from liudong.core.errors import DomainError
from liudong.regions.models import Place

PREFIX_LENGTH = {1: 2, 2: 4, 3: 6}
MAX_QUOTAS = 50


def find_place(text: str) -> Place | None:
    """A place by its code (6 digits, or the 2 or 4 of a province or city) or its name."""
    text = (text or "").strip()
    if not text:
        return None
    if text.isdigit() and len(text) in (2, 4, 6):
        return Place.objects.filter(code=text.ljust(6, "0")).first()
    found = list(Place.objects.filter(Q(name=text) | Q(short_name=text)).order_by("level")[:2])
    if len(found) == 1 or (len(found) == 2 and found[0].level != found[1].level):
        return found[0]
    return None


def destination_prefix(text: str) -> str:
    """The code prefix of a destination area ("" for everywhere)."""
    text = (text or "").strip()
    if not text:
        return ""
    place = find_place(text)
    if place is None:
        raise DomainError(
            "unknown_destination",
            _(
                "Unknown destination area: %(area)s. Give a province, city or county by its code "
                "or name."
            )
            % {"area": text},
            "destination",
        )
    return place.code[: PREFIX_LENGTH.get(place.level, 6)]


def parse_quota_line(line: str) -> tuple[str, str]:
    """ "6101: 2", "西安市 2", "6101=2" -> (area, minimum as typed)."""
    found = re.fullmatch(r"\s*(.+?)\s*[:：=,，\s]\s*(\S+)\s*", line or "")
    if not found:
        raise DomainError(
            "bad_quota",
            _("Write a quota as a city and a number, e.g. 6101: 2 (%(line)s).")
            % {"line": (line or "").strip()},
            "quotas",
        )
    return found.group(1), found.group(2)


def quota_groups(items: Iterable[tuple[str, object]]) -> tuple[tuple[str, int], ...]:
    """Resolve (area, minimum) pairs to (city code, minimum); one per city, in order."""
    out: dict[str, int] = {}
    for area, minimum in items:
        place = find_place(str(area))
        if place is None or place.level != 2:
            raise DomainError(
                "unknown_quota_city",
                _("A quota names a city (prefecture) by its code or name: %(area)s is not one.")
                % {"area": area},
                "quotas",
            )
        try:
            number = int(str(minimum).strip())
        except ValueError:
            number = -1
        if number < 1:
            raise DomainError(
                "bad_quota",
                _("The quota of %(area)s must be a whole number of 1 or more.")
                % {"area": place.name},
                "quotas",
            )
        if place.code in out:
            raise DomainError(
                "duplicate_quota",
                _("%(area)s has two quotas.") % {"area": place.name},
                "quotas",
            )
        out[place.code] = number
    if len(out) > MAX_QUOTAS:
        raise DomainError(
            "too_many_quotas", _("At most %(n)d quotas.") % {"n": MAX_QUOTAS}, "quotas"
        )
    return tuple(out.items())


def quotas_from_text(text: str) -> tuple[tuple[str, int], ...]:
    """The form's and the command line's quotas: one per line (or separated by ";")."""
    lines = [line for line in re.split(r"[\n;；]", text or "") if line.strip()]
    return quota_groups(parse_quota_line(line) for line in lines)
