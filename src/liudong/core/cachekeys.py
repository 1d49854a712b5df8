"""The one builder of keys for cached page data: by language and by the gate's key.

Anything a page or the API keeps in the shared cache for a viewer (a dashboard's figures,
a map's areas) holds translated labels and what the viewer's scope lets them see, so its
key names both: the active language (an English session must not fill the Chinese page)
and :func:`liudong.core.scope.gate_key` (two scopes never share an entry). Every such cache
use builds its key here; job state shared by everyone (a census job's progress, version
counters) is not page data and keeps its own fixed keys.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.utils import translation

from liudong.core.scope import gate_key


def page_key(namespace: str, user: Any, *parts: Any) -> str:
    """``namespace:<digest>``: the digest of the language, the user's gate key and ``parts``
    (JSON-able values, e.g. the organization, the filters, the day)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    raw = json.dumps([language, gate_key(user), *parts], default=str, sort_keys=True)
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return f"{namespace}:{digest}"
