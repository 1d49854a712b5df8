"""The cached figures are kept per language and per scope (issue 10, item 15)."""

from __future__ import annotations

import re
from typing import Any

from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext

from liudong.analytics import figures
from liudong.core.cachekeys import page_key

EN = {"liudong_language": "en"}
ZH = {"liudong_language": "zh-hans"}


def _coverage_label(html: str, key: str) -> str:
    found = re.search(rf'id="coverage-{key}">\s*<div class="ld-stat-label">(.*?)</div>', html, re.S)
    assert found, f"no coverage-{key} card"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def _in(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


def test_chinese_coverage_page_after_an_english_one_shows_chinese_titles(login: Any) -> None:
    client = login("jingchuan")
    client.cookies.load(EN)
    english = client.get("/statistics/coverage/").content.decode()
    assert _coverage_label(english, "in_province") == "In province"
    client.cookies.load(ZH)
    chinese = client.get("/statistics/coverage/").content.decode()
    assert _in("zh-hans", "In province") != "In province"
    assert _coverage_label(chinese, "in_province") == _in("zh-hans", "In province")
    assert _coverage_label(chinese, "out_of_province") == _in("zh-hans", "Out of province")


def test_the_api_answers_in_the_language_asked_after_a_cached_answer(login: Any) -> None:
    client = login("jingchuan")
    url = "/api/v1/analytics/dashboard/"
    english = client.get(url, headers={"accept-language": "en"}).json()
    chinese = client.get(url, headers={"accept-language": "zh-hans"}).json()
    labels = {c["key"]: c["label"] for c in chinese["coverage"]}
    assert {c["key"]: c["label"] for c in english["coverage"]}["in_province"] == "In province"
    assert labels["in_province"] == _in("zh-hans", "In province")


def test_two_scopes_never_share_a_cached_entry(login: Any, demo: Any, monkeypatch: Any) -> None:
    """The city viewing 泾川 and 泾川's administrator ask for the same organization and
    filters: each gets an entry of their own."""
    written: list[str] = []
    real_set = cache.set
    monkeypatch.setattr(
        cache, "set", lambda key, *a, **k: (written.append(key), real_set(key, *a, **k))[1]
    )
    login("city").get("/statistics/dashboard/?org=620821")
    city_keys = {k for k in written if k.startswith("analytics:")}
    written.clear()
    login("jingchuan").get("/statistics/dashboard/?org=620821")
    county_keys = {k for k in written if k.startswith("analytics:")}
    assert city_keys and county_keys
    assert not city_keys & county_keys


def test_the_key_names_the_language_and_the_gate(demo: Any) -> None:
    city, county = demo("user:city"), demo("user:jingchuan")
    with translation.override("en"):
        english = page_key("x", county, "dashboard", 1)
        assert page_key("x", county, "dashboard", 1) == english
        assert page_key("x", city, "dashboard", 1) != english
    with translation.override("zh-hans"):
        assert page_key("x", county, "dashboard", 1) != english
        assert figures.cache_key(county, 1) != figures.cache_key(city, 1)
