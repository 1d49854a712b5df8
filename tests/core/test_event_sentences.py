"""The workbench's feed and the audit list tell each event as a sentence in the reader's
language, linked to its object where the reader may see it, never with personal data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from liudong.census.models import SubmissionState
from liudong.core import audit
from liudong.core.events import phrase_for, phrases, tell
from liudong.core.models import AUDIT_KINDS, AuditEvent

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "liudong"

# Verbs built at run time, and what they expand to.
DYNAMIC = {
    "census.{state}": [f"census.{state.value}" for state in SubmissionState],
    "reveal.{field}": ["reveal.id_number", "reveal.phone"],
}


def verbs_the_code_writes() -> set[str]:
    verbs: set[str] = set()
    calls = 0
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        calls += len(re.findall(r"audit\.action\(", text))
        for is_f, verb in re.findall(r'audit\.action\(\s*(f?)"([^"]+)"', text):
            calls -= 1
            if is_f:
                assert verb in DYNAMIC, f"{path.name}: a new verb built at run time: {verb}"
                verbs.update(DYNAMIC[verb])
            else:
                verbs.add(verb)
        # Verbs handed to a helper that opens the action (``_transition(..., verb="...")``).
        calls -= len(re.findall(r"audit\.action\(\s*verb\b", text))
        verbs.update(re.findall(r'\bverb="([a-z_]+\.[a-z_]+)"', text))
        verbs.update(re.findall(r'_set_active\([^()]*"([a-z_]+\.[a-z_]+)"\)', text))
    assert calls == 0, "an audit.action(...) call whose verb this test cannot read"
    return verbs


def specifically_phrased(verb: str) -> bool:
    keys = {item.key.split(":", 1)[0] for item in phrases.items()}
    return verb in keys or verb.split(".", 1)[0] + ".*" in keys


def test_every_verb_the_code_writes_has_a_sentence() -> None:
    verbs = verbs_the_code_writes()
    assert {"census.withdraw", "reveal.id_number", "flow.lost", "code.deactivate"} <= verbs
    missing = sorted(v for v in verbs if not specifically_phrased(v))
    assert not missing, missing


def test_every_kind_and_every_recorded_verb_has_a_sentence() -> None:
    for kind, _label in AUDIT_KINDS:
        assert phrase_for(kind, kind) is not None, kind
    recorded = set(AuditEvent.objects.values_list("verb", flat=True))
    missing = sorted(
        v for v in recorded if not specifically_phrased(v) and v not in dict(AUDIT_KINDS)
    )
    assert not missing, missing


def test_every_sentence_is_translated_with_the_same_placeholders() -> None:
    for item in phrases.items():
        with translation.override("en"):
            english = str(item.text)
        with translation.override("zh-hans"):
            chinese = str(item.text)
        assert chinese != english, f"no Chinese for {item.key}: {english}"
        assert re.search(r"[\u4e00-\u9fff]", chinese), item.key
        assert set(re.findall(r"\{\w+\}", chinese)) == set(re.findall(r"\{\w+\}", english)), (
            item.key
        )


def _visible_text(html: str) -> str:
    """The page's words, without the collapsed technical details and the filter form."""
    html = re.sub(r"<details.*?</details>", " ", html, flags=re.S)
    html = re.sub(r"<(form|script|style|select|head)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_audit_list_and_feed_show_sentences_not_codes(login: Any, demo: Any) -> None:
    from liudong.members.models import Member

    member = Member.objects.filter(home_organization__path__startswith=demo("620821").path).first()
    county = demo("user:jingchuan")
    with audit.action("reveal.id_number", actor=county):
        audit.record("reveal", member, detail="id_number")
    with audit.bind(actor=None):
        audit.record("login_failed", result="failed", detail="13800001111")
    client = login("city")
    for lang, words in (("zh-hans", "查看了"), ("en", "saw the full")):
        client.cookies["liudong_language"] = lang.split("-")[0]
        for url in ("/audit/", "/home/"):
            page = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
            assert page.status_code == 200
            html = page.content.decode()
            text = _visible_text(html)
            shown = AuditEvent.objects.order_by("-at", "-id")[:8]
            for event in shown:
                assert event.verb not in text or "." not in event.verb, (url, lang, event.verb)
            assert " ok " not in text, (url, lang)
            assert "13800001111" not in html, (url, lang)
            assert member.id_number not in html
            assert words in text, (url, lang)
            # The reveal names the member and links to their page.
            assert f'href="/ledger/members/{member.pk}/"' in html, (url, lang)


def test_links_only_to_objects_that_exist_and_the_reader_may_see(demo: Any) -> None:
    from liudong.members.models import Member

    jingchuan, lingtai = demo("620821"), demo("620822")
    ours = Member.objects.filter(home_organization__path__startswith=jingchuan.path).first()
    theirs = Member.objects.filter(home_organization__path__startswith=lingtai.path).first()
    city = demo("user:city")
    with audit.action("member.update", actor=city):
        audit.record("update", ours)
        audit.record("update", theirs)
        gone = audit.event_values("update", ours)
        AuditEvent.objects.create(**{**gone, "object_id": "987654321"})
    events = list(AuditEvent.objects.select_related("content_type").order_by("-id")[:3])
    told = {t.event.object_id: t for t in tell(events, demo("user:jingchuan"))}
    assert told[str(ours.pk)].url == f"/ledger/members/{ours.pk}/"
    assert f'href="/ledger/members/{ours.pk}/"' in told[str(ours.pk)].sentence
    assert told[str(theirs.pk)].url == ""  # another county's member: named, not linked
    assert theirs.name in told[str(theirs.pk)].sentence
    assert told["987654321"].url == ""  # no longer exists


def test_unknown_verb_falls_back_to_a_readable_sentence(demo: Any) -> None:
    org = demo("620821")
    with audit.action("something.new", actor=demo("user:city")):
        event = audit.record("action", org)
    with translation.override("en"):
        (told,) = tell([event], demo("user:city"))
    assert "something.new" not in told.sentence
    assert org.name in told.sentence
    assert demo("user:city").display_name in told.sentence  # the account's name, not its login


def test_changes_are_shown_by_field_label_and_choice_label(demo: Any) -> None:
    from liudong.core.events import changes_of
    from liudong.members.models import FlowRecord

    flow = FlowRecord.objects.filter(is_open=True).first()
    with translation.override("zh-hans"), audit.action("flow.lost", actor=demo("user:city")):
        event = audit.record(
            "update",
            flow,
            changes={
                "before": {"status": "registered", "status_changed_on": None},
                "after": {"status": "lost", "status_changed_on": "2026-01-02T03:04:05+00:00"},
            },
        )
        rows = changes_of(event)
        status = str(FlowRecord._meta.get_field("status").verbose_name)
        since = str(FlowRecord._meta.get_field("status_changed_on").verbose_name)
    labels = {label: (before, after) for label, before, after in rows}
    assert labels[status] == ("已登记", "失联（查找中）")
    changed_on = labels[since]
    assert changed_on[0] == "—" and changed_on[1].startswith("2026-01-02 ")
