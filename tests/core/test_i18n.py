"""Chinese first, English complete: the zh-Hans catalogue covers every string, compiled."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.utils import translation

from liudong.config import PACKAGE_DIR

PO = PACKAGE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def test_catalogue_has_no_untranslated_or_fuzzy_entries() -> None:
    catalogue = polib.pofile(str(PO))
    assert len(catalogue) > 300
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []


def test_compiled_catalogue_matches_the_source() -> None:
    source = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "")
        for e in polib.pofile(str(PO))
        if not e.obsolete
    }
    compiled = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "") for e in polib.mofile(str(MO))
    }
    assert source == compiled, "run: make messages (compilemessages)"


def test_catalogue_covers_every_string_in_the_code(tmp_path: Path) -> None:
    """makemessages finds no string that the committed catalogue lacks."""
    assert shutil.which("xgettext"), "GNU gettext is needed: make test installs it"
    backup = tmp_path / "django.po"
    shutil.copy(PO, backup)
    try:
        subprocess.run(
            # The console script, not `python -m`: run from the package folder, `-m` would
            # put it on sys.path and our celery.py would shadow the celery package.
            [
                str(Path(sys.executable).parent / "liudong"),
                "makemessages",
                "-l",
                "zh_Hans",
                "--no-obsolete",
                "--ignore",
                "static/*",
            ],
            cwd=PACKAGE_DIR,
            check=True,
            capture_output=True,
            timeout=300,
        )
        fresh = {(e.msgctxt or "", e.msgid) for e in polib.pofile(str(PO)) if not e.obsolete}
    finally:
        shutil.copy(backup, PO)
    # By context and text: a string given a new context needs its own entry.
    committed = {(e.msgctxt or "", e.msgid) for e in polib.pofile(str(PO)) if not e.obsolete}
    assert sorted(fresh - committed) == [], "run: make messages, then translate"


@pytest.mark.parametrize(
    ("language", "text"),
    [("zh-hans", "流动党员管理服务平台"), ("en", "Mobile Party Member Management")],
)
def test_login_page_in_both_languages(db: None, language: str, text: str) -> None:
    client = Client()
    client.cookies["liudong_language"] = language
    response = client.get("/accounts/login/")
    assert text in response.content.decode()


def test_pages_are_chinese_unless_the_user_chose_english(db: None) -> None:
    # The browser's Accept-Language does not decide: Chinese first.
    response = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="zh-hans"' in response.content.decode()


def test_api_errors_follow_accept_language(db: None) -> None:
    en = Client().get("/api/v1/organizations/", HTTP_ACCEPT_LANGUAGE="en")
    zh = Client().get("/api/v1/organizations/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert en.json()["code"] == zh.json()["code"]
    assert en.json()["message"] != zh.json()["message"]


def test_language_switch_sets_the_cookie(db: None) -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    page = client.get("/accounts/login/")
    assert 'lang="en"' in page.content.decode()
    with translation.override("zh-hans"):
        assert translation.gettext("Sign in") != "Sign in"
