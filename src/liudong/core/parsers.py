"""DRF's parser setting target, in a module of its own.

``rest_framework.views.APIView`` reads ``DEFAULT_PARSER_CLASSES`` while its class is being
defined, so the parser must not live in a module that imports ``rest_framework.views``
(``core.apiconf`` does): which of the two DRF imported first decided whether the settings
loaded (seen as a failed ``makemigrations --check`` on a fresh checkout).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

from liudong.core.params import JSONBodyError, decode_json


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser on :func:`liudong.core.params.decode_json`: the same rules as the
    check-in's hot path, and a body nested too deeply is a 400, not a ``RecursionError``."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return decode_json(stream.read().decode(encoding))
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError(
                _("The body is not valid %(encoding)s text.") % {"encoding": encoding}
            ) from exc
        except JSONBodyError as exc:
            raise exceptions.ParseError(
                _("The body is not valid JSON: %(error)s") % {"error": exc}
            ) from exc
