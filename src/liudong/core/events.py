"""Audit events told as sentences in the reader's language, for the workbench's feed and the
audit list alike.

Each app says how to phrase its own verbs in a ``phrases.py`` beside its models, through the
:data:`phrases` registry; core phrases the kinds (create, update, delete, sign-in...), which
is also the fallback for a verb nobody phrased. A sentence names the actor and the object
(linked when the object still exists and the reader may see it) and never carries the
event's free-text detail, where a typed user name or filter could hold personal data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from liudong.core.registry import Registry


@dataclass(frozen=True)
class Phrase:
    """How to tell one verb (``census.withdraw``), a family of verbs (``reveal.*``) or a kind
    (``delete``); ``:kind`` after the key narrows it to rows of that kind (``reveal.*:denied``).

    ``text`` is a translatable format string with ``{actor}``, ``{object}``, ``{model}`` (the
    object's kind, e.g. "member") and ``{field}`` (the field a ``reveal.<field>`` verb names).
    """

    key: str
    text: str | Promise
    order: int = 0


phrases: Registry[Phrase] = Registry("phrases")


def register(key: str, text: str | Promise) -> Phrase:
    """Shorthand for an app's ``phrases.py``: ``register("census.withdraw", _("..."))``."""
    return phrases.register(Phrase(key, text))


def phrase_for(verb: str, kind: str) -> Phrase | None:
    """The registered phrase for a row: the verb, then its family (``reveal.*``), then the
    kind; each first with the row's kind (``verb:kind``)."""
    known = {item.key: item for item in phrases.items()}
    family = verb.split(".", 1)[0] + ".*" if "." in verb else ""
    for key in (verb, family, kind):
        if not key:
            continue
        for candidate in (f"{key}:{kind}", key):
            if candidate in known:
                return known[candidate]
    return None


@dataclass(frozen=True)
class Told:
    """One event as the pages show it."""

    event: Any
    sentence: SafeString
    url: str
    outcome: str  # "" when the action went through; else a short word in the reader's language


def tell(events: Iterable[Any], viewer: Any) -> list[Told]:
    """Each event as a sentence for ``viewer``, with a link to its object where it still
    exists and ``viewer`` may see it (objects looked up per model, one query each)."""
    events = list(events)
    urls = _links(events, viewer)
    return [
        _tell(event, urls.get((event.content_type_id, event.object_id), "")) for event in events
    ]


def sentence(event: Any, url: str = "") -> SafeString:
    """One event's sentence (no link lookup): the registered phrase, or a readable fallback."""
    return _tell(event, url).sentence


def _tell(event: Any, url: str) -> Told:
    model = _model_of(event)
    actor = _actor_name(event)
    obj = event.object_repr or ""
    object_html = format_html('<a href="{}">{}</a>', url, obj) if url and obj else obj
    phrase = phrase_for(event.verb or event.kind, event.kind)
    values = {
        "actor": format_html("<strong>{}</strong>", actor),
        "object": format_html("“{}”", object_html) if obj else "",
        "model": model._meta.verbose_name if model is not None else "",
        "field": _field_label(model, event.verb),
    }
    if phrase is not None:
        text = format_html(str(phrase.text), **values)
    elif obj:
        text = format_html(str(_("{actor} acted on {model} {object}")), **values)
    else:
        text = format_html(str(_("{actor}: {kind}")), kind=event.get_kind_display(), **values)
    outcome = ""
    if event.result and event.result != "ok":
        outcome = {
            "denied": pgettext("audit outcome", "refused"),
            "failed": pgettext("audit outcome", "failed"),
        }.get(event.result, pgettext("audit outcome", "not completed"))
    return Told(event=event, sentence=SafeString(" ".join(text.split())), url=url, outcome=outcome)


def _actor_name(event: Any) -> str:
    """The account's display name where the account still exists, else the name kept."""
    if not event.actor_name or event.actor_name == "system":
        return _("The system")
    try:
        actor = event.actor if event.actor_id else None
    except Exception:  # the account is gone (the row keeps no constraint on it)
        actor = None
    return getattr(actor, "display_name", "") or event.actor_name


def _model_of(event: Any) -> Any:
    if not event.content_type_id:
        return None
    try:
        return event.content_type.model_class()
    except Exception:  # a content type whose model is gone
        return None


def _field_label(model: Any, verb: str) -> str:
    """The field a ``reveal.<field>`` verb names, in the reader's language."""
    if "." not in verb:
        return ""
    name = verb.split(".", 1)[1]
    if model is not None:
        try:
            return str(model._meta.get_field(name).verbose_name)
        except Exception:  # not a field of this model: fall through to the name
            pass
    return name.replace("_", " ")


def _links(events: list[Any], viewer: Any) -> dict[tuple[int, str], str]:
    """(content type, object id) → the object's page, for objects ``viewer`` may see."""
    from liudong.core.scope import visible_to

    wanted: dict[int, set[str]] = defaultdict(set)
    types: dict[int, Any] = {}
    for event in events:
        if event.content_type_id and event.object_id:
            wanted[event.content_type_id].add(event.object_id)
            types[event.content_type_id] = event.content_type
    urls: dict[tuple[int, str], str] = {}
    for type_id, ids in wanted.items():
        model = types[type_id].model_class()
        if model is None or not hasattr(model, "get_absolute_url"):
            continue
        pks = [pk for pk in ids if pk.isdigit()] if _int_key(model) else list(ids)
        try:
            visible = list(visible_to(viewer, model._default_manager.filter(pk__in=pks)))
        except Exception:  # a model without a scope rule: no link rather than a guess
            continue
        for obj in visible:
            url = obj.get_absolute_url()
            if url and _may_open(viewer, url):
                urls[(type_id, str(obj.pk))] = url
    return urls


def _int_key(model: Any) -> bool:
    return model._meta.pk.get_internal_type() in {"AutoField", "BigAutoField", "IntegerField"}


def _may_open(viewer: Any, url: str) -> bool:
    """The page's own rule (``@opens_for``), where it declares one."""
    from django.urls import Resolver404, resolve

    from liudong.core.decorators import may_open

    try:
        view = resolve(url.split("?", 1)[0].split("#", 1)[0]).func
    except Resolver404:
        return False
    return may_open(view, viewer)


def changes_of(event: Any) -> list[tuple[str, str, str]]:
    """(field, before, after) of an event's recorded changes, in the reader's language: the
    field's own label, choices by their labels (masked values stay masked)."""
    data = event.changes if isinstance(event.changes, dict) else {}
    before = data.get("before") if isinstance(data.get("before"), dict) else {}
    after = data.get("after") if isinstance(data.get("after"), dict) else {}
    model = _model_of(event)
    rows = []
    for name in dict.fromkeys([*before, *after]):
        field = _field(model, name)
        label = str(field.verbose_name) if field is not None else name.replace("_", " ")
        rows.append((label, _shown(field, before.get(name)), _shown(field, after.get(name))))
    return rows


def _field(model: Any, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # a field since removed
        return None


def _shown(field: Any, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    choices = dict(getattr(field, "flatchoices", None) or ())
    if choices and value in choices:
        return str(choices[value])
    text = str(value)
    moment = _moment(text)
    if moment:
        return moment
    return text if len(text) <= 80 else text[:79] + "…"


def _moment(text: str) -> str:
    """A recorded time (ISO 8601, UTC) as the pages show times: local, to the minute."""
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    if len(text) < 19 or text[10:11] != "T":
        return ""
    try:
        moment = parse_datetime(text)
    except ValueError:
        return ""
    if moment is None:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")
