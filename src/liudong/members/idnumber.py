"""GB 11643 citizen identity numbers: check character, birth date, place code, sex."""

from __future__ import annotations

import datetime
import operator
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from liudong.core.errors import DomainError
from liudong.core.text import compact as normalize  # the one rule for typed text

_FORMAT = re.compile(r"[0-9]{17}[0-9X]")
_OLD_FORMAT = re.compile(r"[0-9]{15}")  # first-generation cards (before 1999)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


@dataclass(frozen=True)
class IdFacts:
    number: str
    place_code: str
    birth_date: datetime.date
    sex: str  # GB/T 2261.1: "1" male, "2" female


def check_character(first17: str) -> str:
    if len(first17) != len(WEIGHTS):
        raise ValueError("the check character is computed from 17 digits")
    return CHECK[sum(map(operator.mul, map(int, first17), WEIGHTS)) % 11]


def parse(value: object, *, today: datetime.date | None = None) -> IdFacts:
    """Validate an 18-character ID number and return what it says, or raise DomainError."""
    number = normalize(value)
    field = "id_number"
    if _OLD_FORMAT.fullmatch(number):
        raise DomainError(
            "id_number_old",
            _(
                "This is an old 15-digit ID number. Enter the 18-character number of the "
                "member's current ID card."
            ),
            field,
        )
    # ASCII digits only: str.isdigit() also accepts other scripts' digits.
    if not _FORMAT.fullmatch(number):
        raise DomainError(
            "id_number_format",
            _("An ID number has 18 characters: 17 digits and a digit or X."),
            field,
        )
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise DomainError(
            "id_number_birth_date",
            _("The birth date in this ID number (%(digits)s) is not a real date.")
            % {"digits": number[6:14]},
            field,
        ) from exc
    today = today or datetime.date.today()
    if birth > today or birth.year < 1900:
        raise DomainError(
            "id_number_birth_date",
            _("The birth date in this ID number (%(date)s) is impossible.")
            % {"date": birth.isoformat()},
            field,
        )
    if check_character(number[:17]) != number[17]:
        raise DomainError(
            "id_number_check",
            _("The last character of this ID number does not match: check for a typo."),
            field,
        )
    if not _known_place_prefix(number[:6]):
        raise DomainError(
            "id_number_place",
            _("The first six digits of this ID number (%(code)s) are not a place code.")
            % {"code": number[:6]},
            field,
        )
    sex = "1" if int(number[16]) % 2 else "2"
    return IdFacts(number=number, place_code=number[:6], birth_date=birth, sex=sex)


def _known_place_prefix(code: str) -> bool:
    """Old ID numbers keep place codes that were later abolished: accept a known province
    and a plausible prefecture rather than only today's counties."""
    if code[:2] + "0000" not in _province_codes():
        return False
    return code[2:4] != "00" or code[4:] == "00"


_PROVINCES: set[str] = set()


def _province_codes() -> set[str]:
    from liudong.regions.models import Level, Place

    if not _PROVINCES:
        _PROVINCES.update(Place.objects.filter(level=Level.PROVINCE).values_list("code", flat=True))
    return _PROVINCES
