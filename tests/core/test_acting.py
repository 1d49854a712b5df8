"""One helper runs an action from a page (``liudong.core.acting``), and no page writes its own.

The unit cases build a request with a message store and a plain form: no database.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django import forms
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied as PageDenied
from django.http import Http404
from django.test import RequestFactory

import liudong
from liudong.core import errors
from liudong.core.acting import acting
from liudong.core.errors import DomainError, PermissionDenied, ScopeError


class NoteForm(forms.Form):
    note = forms.CharField()
    code = forms.CharField(required=False)


def _request() -> Any:
    request = RequestFactory().post("/")
    request._messages = CookieStorage(request)
    return request


def _messages(request: Any) -> list[tuple[int, str]]:
    return [(m.level, m.message) for m in messages.get_messages(request)]


def _valid_form(**extra: Any) -> NoteForm:
    form = NoteForm({"note": "fine", "code": "x"}, **extra)
    assert form.is_valid()
    return form


# --- the helper -------------------------------------------------------------------------------


def test_success_adds_the_message_and_nothing_else() -> None:
    request = _request()
    form = _valid_form()
    with acting(request, success="Saved.", form=form) as act:
        made = "made"
    assert act.ok and act.error is None and made == "made"
    assert _messages(request) == [(messages.SUCCESS, "Saved.")]
    assert form.errors == {}


def test_success_message_at_another_level_or_set_from_the_result() -> None:
    request = _request()
    with acting(request, success="Cancel requested.", level=messages.INFO):
        pass
    with acting(request) as act:
        result = {"name": "张三"}
        act.success = f"Sent to {result['name']}."
    with acting(request):
        pass  # no success message given: none shown
    assert _messages(request) == [
        (messages.INFO, "Cancel requested."),
        (messages.SUCCESS, "Sent to 张三."),
    ]


def test_refusal_with_a_field_goes_under_the_field() -> None:
    request = _request()
    form = _valid_form()
    with acting(request, success="Saved.", form=form) as act:
        raise DomainError("note_bad", "Write a better note.", "note")
    assert not act.ok and act.error is not None and act.error.code == "note_bad"
    assert form.errors == {"note": ["Write a better note."]}
    assert _messages(request) == []  # neither the success nor the refusal as a message


def test_refusal_without_a_field_or_with_an_unknown_one_goes_above_the_form() -> None:
    request = _request()
    form = _valid_form()
    with acting(request, form=form):
        raise DomainError("closed", "The round is closed.")
    with acting(request, form=form):
        raise DomainError("elsewhere", "Not this form's field.", "station")
    assert form.non_field_errors() == ["The round is closed.", "Not this form's field."]
    assert _messages(request) == []


def test_refusal_under_a_disabled_field_goes_above_the_form() -> None:
    form = _valid_form()
    form.fields["code"].disabled = True
    with acting(_request(), form=form):
        raise DomainError("code_fixed", "A built-in code keeps its code.", "code")
    assert "code" not in form.errors
    assert form.non_field_errors() == ["A built-in code keeps its code."]


def test_fields_rename_the_actions_field_for_the_form() -> None:
    form = _valid_form()
    with acting(_request(), form=form, fields={"remark": "note", "code": None}):
        raise DomainError("remark_bad", "Under the note.", "remark")
    with acting(_request(), form=form, fields={"remark": "note", "code": None}):
        raise DomainError("code_bad", "Above the form.", "code")
    with acting(_request(), form=form, fields={"": "code"}):
        raise DomainError("no_field", "Under the code.")
    assert form.errors["note"] == ["Under the note."]
    assert form.errors["code"] == ["Under the code."]
    assert form.non_field_errors() == ["Above the form."]


def test_refusal_without_a_form_is_an_error_message() -> None:
    request = _request()
    with acting(request, success="Round closed.") as act:
        raise DomainError("not_open", "The round is not open.", "round")
    assert not act.ok
    assert _messages(request) == [(messages.ERROR, "The round is not open.")]


def test_show_replaces_the_form_and_the_message() -> None:
    request = _request()
    form = _valid_form()
    shown: list[str] = []
    with acting(request, form=form, show=lambda exc: shown.append(exc.code)) as act:
        raise DomainError("duplicate", "Already there.", "note")
    assert not act.ok and shown == ["duplicate"]
    assert form.errors == {} and _messages(request) == []


@pytest.mark.parametrize("refusal", [PermissionDenied, ScopeError])
def test_permission_and_scope_refusals_are_shown_like_others_by_default(refusal: Any) -> None:
    request = _request()
    with acting(request) as act:
        raise refusal("forbidden", "Your role may not do this.")
    assert not act.ok
    assert _messages(request) == [(messages.ERROR, "Your role may not do this.")]
    form = _valid_form()
    with acting(_request(), form=form):
        raise refusal("role_not_grantable", "You may not give this role.", "note")
    assert form.errors == {"note": ["You may not give this role."]}


def test_denied_as_page_makes_permission_a_403_and_scope_a_404() -> None:
    form = _valid_form()
    with (
        pytest.raises(PageDenied, match="Your role may not"),
        acting(_request(), form=form, denied_as_page=True),
    ):
        raise PermissionDenied("forbidden", "Your role may not change code tables.", "note")
    with pytest.raises(Http404, match="Not found"), acting(_request(), denied_as_page=True):
        raise ScopeError("not_found", "Not found, or not within your scope.")
    request = _request()
    with acting(request, form=form, denied_as_page=True) as act:
        raise DomainError("code_taken", "This code is taken.", "code")  # others as usual
    assert not act.ok and form.errors == {"code": ["This code is taken."]}
    assert _messages(request) == []


def test_other_exceptions_go_through() -> None:
    request = _request()
    with pytest.raises(KeyError), acting(request, success="Saved."):
        raise KeyError("a bug is a 500, not a refusal")
    assert _messages(request) == []


# --- no page writes the pattern by hand ---------------------------------------------------------

SOURCE = Path(liudong.__file__).parent

# Handlers of a DomainError (or a subclass) a views module may keep, each with its reason:
# none of them runs an action to show its message; each reads, or answers in its own form.
ALLOWED = {
    # A search token or a filter the gate refuses is a read: the list shows the reason in
    # its filter bar and stays on the page (no action, no message, no redirect).
    "liudong.members.views_ledger:_page_filter": "filter bar",
    "liudong.members.views_ledger:ledger": "filter bar",
    "liudong.members.views_ledger:member_list": "filter bar",
    # The htmx swap of a masked number: the refusal's text is the fragment, with its status.
    "liudong.members.views_ledger:member_reveal": "htmx fragment",
    "liudong.accounts.views_users:user_reveal_phone": "htmx fragment",
    # "A code was just sent" is no failure: the page goes on to step 2 with the notice.
    "liudong.accounts.views_phone:phone_login": "code_too_soon goes on",
    # An address that resolves to no place is a read, shown beside the search.
    "liudong.regions.views:place_list": "read",
    # The ?org= of a statistics page, read through the gate: out of scope 404, else 403.
    "liudong.analytics.views:_organization": "read",
    # A predicate for the menu and the page: no organization, no county figures.
    "liudong.analytics.views:keeps_county_figures": "predicate",
    # A month that cannot be read is shown on the report page (400 when malformed).
    "liudong.analytics.views:report": "read",
}


def _resolve(module: Any, expression: ast.expr) -> Any:
    """The object an except clause names (``DomainError``, ``errors.ScopeError``)."""
    parts = ast.unparse(expression).split(".")
    value: Any = getattr(module, parts[0], None)
    for part in parts[1:]:
        value = getattr(value, part, None)
    return value


def _catches_domain_error(module: Any, handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return False
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for expression in types:
        caught = _resolve(module, expression)
        if isinstance(caught, type) and issubclass(caught, DomainError):
            return True
    return False


def domain_error_handlers() -> dict[str, int]:
    """``module:function`` → how many handlers of a DomainError it has, in every views module."""
    found: dict[str, int] = {}
    for path in sorted(SOURCE.rglob("views*.py")):
        name = ".".join(("liudong", *path.relative_to(SOURCE).with_suffix("").parts))
        module = importlib.import_module(name)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.ExceptHandler) and _catches_domain_error(module, node):
                    key = f"{name}:{function.name}"
                    found[key] = found.get(key, 0) + 1
    return found


def test_no_views_module_catches_a_domain_error_by_hand() -> None:
    found = domain_error_handlers()
    by_hand = sorted(set(found) - set(ALLOWED))
    assert not by_hand, (
        "Run the action in `with acting(request, ...)` (liudong.core.acting) instead of "
        f"catching DomainError: {by_hand}"
    )


def test_every_allowed_handler_still_exists() -> None:
    # A stale entry would let a new hand-written handler of the same name in unseen.
    assert not sorted(set(ALLOWED) - set(domain_error_handlers()))


def test_the_scan_sees_every_way_of_naming_the_refusal() -> None:
    source = """
def a():
    try: pass
    except DomainError: pass
def b():
    try: pass
    except (KeyError, errors.PermissionDenied): pass
def c():
    try: pass
    except ScopeError: pass
def d():
    try: pass
    except KeyError: pass
"""
    module = SimpleNamespace(DomainError=DomainError, ScopeError=ScopeError, errors=errors)
    handlers = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ExceptHandler)]
    assert [_catches_domain_error(module, h) for h in handlers] == [True, True, True, False]
