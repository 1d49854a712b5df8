"""One English word, two meanings: each meaning has its own Chinese (issue 10, item 20)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext, pgettext

EN = {"liudong_language": "en"}

# (English, context of one meaning, context of the other; None: no context), and the
# page that shows the first meaning.
SHARED = [
    ("Open", "open records", "code table"),
    ("Lost contact", "figure", None),
    ("From", "flow place", None),
    ("To", "flow place", None),
    ("Contact", "contact person", None),
    ("County", "place level", None),
    ("Check in", "member", None),
    ("Name", "person", None),
    ("Organization", "statistics", None),
]


def _zh(text: str, context: str | None) -> str:
    with translation.override("zh-hans"):
        return pgettext(context, text) if context else gettext(text)


@pytest.mark.parametrize(("text", "one", "other"), SHARED)
def test_each_meaning_has_its_own_chinese(text: str, one: str, other: str | None) -> None:
    first, second = _zh(text, one), _zh(text, other)
    assert text not in (first, second), "untranslated"
    assert first != second


def test_coverage_open_column_is_open_records_not_extensible(login: Any) -> None:
    coverage = login("city").get("/statistics/coverage/").content.decode()
    codes = login("city").get("/codes/").content.decode()
    open_records, extensible = _zh("Open", "open records"), _zh("Open", "code table")
    assert f'<th class="text-end">{open_records}</th>' in coverage
    assert extensible not in coverage
    assert extensible in codes
