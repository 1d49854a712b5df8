"""Request input checked in one place: query parameters and JSON bodies.

Every request's query string passes :func:`check_query` (``QueryParametersMiddleware``)
before any view reads it, pages and API alike: no control characters (PostgreSQL refuses
a NUL byte), no value longer than :data:`MAX_LENGTH`, a value written as a number within
the database's 64-bit integer range (SQLite cannot bind a larger one), a value written as
a date a real date. Views read typed values with :func:`integer` and :func:`date`, which
apply the same rules. JSON bodies are decoded by :func:`decode_json` (DRF's parser and the
check-in's hot path), which refuses JSON nested deeper than :data:`MAX_JSON_DEPTH`.
A refusal is :class:`BadParameter`: a 400 with the API's ``{code, message, field}`` or the
site's 400 page, in the user's language.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _

from liudong.core.errors import DomainError

MAX_LENGTH = 1000  # characters in one query value (a search, a code, a "next" link)
MAX_JSON_DEPTH = 32  # nested arrays and objects in a request body
# The range of a 64-bit signed integer: the widest integer column on both databases.
INTEGER_MIN, INTEGER_MAX = -(2**63), 2**63 - 1

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab, LF and CR pass
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?")


class BadParameter(DomainError, BadRequest):
    """A query parameter or body the application refuses to read: a 400.

    A :class:`DomainError` for DRF's exception handler (the API's error shape) and a
    ``BadRequest`` for Django's (the site's 400 page, for pages and plain views)."""


def _refuse(name: str, message: str) -> BadParameter:
    return BadParameter("bad_parameter", message, name)


def check_value(name: str, value: str) -> None:
    """Raise :class:`BadParameter` unless ``value`` may be read as parameter ``name``."""
    if _CONTROL.search(name) or _CONTROL.search(value):
        raise _refuse(name, _("The address contains a control character. Remove it."))
    if len(value) > MAX_LENGTH:
        raise _refuse(
            name,
            _("The value of %(name)s is too long (at most %(limit)d characters).")
            % {"name": name[:40], "limit": MAX_LENGTH},
        )
    if _NUMBER.fullmatch(value) and not _number_in_range(value):
        raise _refuse(name, _("The number in %(name)s is too large.") % {"name": name[:40]})
    written_as_date = _DATE.fullmatch(value)
    if written_as_date and _as_date("-".join(written_as_date.groups())) is None:
        raise _refuse(
            name,
            _("%(name)s is not a real date. Write it as YYYY-MM-DD, e.g. 2026-03-31.")
            % {"name": name[:40]},
        )


def check_query(params: Mapping[str, Any]) -> None:
    """Check every name and value of a query string (a ``QueryDict``)."""
    lists = params.lists() if hasattr(params, "lists") else ((k, [v]) for k, v in params.items())
    for name, values in lists:
        for value in values:
            check_value(name, value)


def check_path(path: str) -> None:
    """A control character in the path (``/s/%00/``) would reach the database too."""
    if _CONTROL.search(path):
        raise _refuse("path", _("The address contains a control character. Remove it."))


def _number_in_range(value: str) -> bool:
    try:
        number = Decimal(value)
    except InvalidOperation:
        return False
    return INTEGER_MIN <= number <= INTEGER_MAX


def _as_date(value: str) -> datetime.date | None:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value.strip())
    if match is None:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def date(params: Mapping[str, Any], name: str) -> datetime.date | None:
    """The date in ``params[name]`` (YYYY-MM-DD), None when absent; else BadParameter."""
    value = str(params.get(name) or "").strip()
    if not value:
        return None
    check_value(name, value)
    day = _as_date(value)
    if day is None:
        raise _refuse(
            name,
            _("%(name)s is not a real date. Write it as YYYY-MM-DD, e.g. 2026-03-31.")
            % {"name": name[:40]},
        )
    return day


def integer(
    params: Mapping[str, Any],
    name: str,
    default: int | None = None,
    *,
    minimum: int = INTEGER_MIN,
    maximum: int = INTEGER_MAX,
) -> int | None:
    """The whole number in ``params[name]`` within [minimum, maximum] (and the database's
    range), ``default`` when absent; else BadParameter."""
    value = str(params.get(name) or "").strip()
    if not value:
        return default
    check_value(name, value)
    if not re.fullmatch(r"[+-]?\d+", value):
        raise _refuse(name, _("%(name)s must be a whole number.") % {"name": name[:40]})
    number = int(value)
    if not max(minimum, INTEGER_MIN) <= number <= min(maximum, INTEGER_MAX):
        raise _refuse(
            name,
            _("%(name)s must be between %(minimum)d and %(maximum)d.")
            % {"name": name[:40], "minimum": minimum, "maximum": maximum},
        )
    return number


# --- JSON bodies --------------------------------------------------------------------------


class JSONBodyError(ValueError):
    """The body is not JSON the application reads (malformed, NaN, or nested too deep)."""


def _no_constant(name: str) -> Any:
    raise JSONBodyError(f"{name} is not a JSON number")  # NaN, Infinity, -Infinity


def decode_json(text: str | bytes) -> Any:
    """Decode a request body's JSON; :class:`JSONBodyError` for what is not read.

    Strict as DRF's parser (no NaN or Infinity); a body nested deeper than
    :data:`MAX_JSON_DEPTH` is refused whether or not it would exhaust the interpreter's
    stack (a ``RecursionError`` is caught as well)."""
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except RecursionError as exc:
        raise JSONBodyError(_("The JSON body is nested too deeply.")) from exc
    except (ValueError, TypeError) as exc:  # JSONDecodeError, bad bytes
        raise JSONBodyError(str(exc)) from exc
    if _depth_exceeds(data, MAX_JSON_DEPTH):
        raise JSONBodyError(_("The JSON body is nested too deeply."))
    return data


def _depth_exceeds(data: Any, limit: int) -> bool:
    """Whether ``data`` nests arrays and objects deeper than ``limit`` (no recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
