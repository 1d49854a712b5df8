"""The API fuzzed against its own OpenAPI schema (schemathesis), as a county administrator
and as a member, in-process through Django's WSGI application.

Every operation of /api/schema/ gets generated requests (path ids drawn from rows in the
caller's scope, rows outside it, and whatever the generator makes). Each answer must be:
no 5xx; a status code, content type and body the schema documents; and nothing outside the
caller's scope (:mod:`tests.fuzz.oracle`): no row of another county (or, for a member,
another member's row), no other member's name or masked numbers, and a path id outside
scope never answers 2xx.

CI runs a bounded number of examples per operation; a longer run (``make fuzz``):
``LIUDONG_FUZZ_EXAMPLES=200 pytest -p no:cacheprovider tests/fuzz/test_api_schema.py -s``
(random seeds then; the bounded run is derandomized, the same examples every time).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.db.models import Model
from django.urls import resolve
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .oracle import Oracle, strings

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Examples per operation and caller; CI's bound keeps both callers within a minute.
EXAMPLES = int(os.environ.get("LIUDONG_FUZZ_EXAMPLES", "0")) or None
DEFAULT_EXAMPLES = 2
# Requests that break the schema on purpose (a string for a number, a missing field): only
# "no 5xx" and the documented refusals hold for them.
NEGATIVE = int(os.environ.get("LIUDONG_FUZZ_NEGATIVE", "1"))
# Reads a member makes by a documented rule wider than "their own rows" (decision 170):
# what they may read is asserted by the apps' own tests; here, only no 5xx and the schema.
MEMBER_READS = {
    "activities.Activity": "activities open to the member (queries.open_to_member)",
    "stations.Station": "the station directory (every open station)",
    "voice.Notice": "notices addressed to the member's audience",
    "voice.JobOpening": "job openings published at stations",
    "voice.FaqEntry": "the questions and answers of the member's county",
    "orgs.Organization": "their own branch and its parents, as the profile shows",
}


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    """Django's WSGI application inside the test's transaction: the handler must not
    close the test's database connection when each request ends."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _token(user: Any) -> str:
    from rest_framework.authtoken.models import Token

    token, _created = Token.objects.get_or_create(user=user)
    return token.key


def _view_model(path: str) -> type[Model] | None:
    """The model of the view answering ``path`` (its queryset's), if it has one."""
    concrete = re.sub(r"\{(\w+)\}", "1", path)
    try:
        match = resolve(concrete)
    except Exception:  # noqa: BLE001 - a route the resolver does not know has no model
        return None
    cls = getattr(match.func, "cls", None)
    queryset = getattr(cls, "queryset", None)
    return queryset.model if queryset is not None else None


def _component(schema: dict[str, Any], raw: dict[str, Any]) -> str | None:
    """The component a response body names: itself, a page's rows, or a list's items."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        target = raw["components"]["schemas"].get(name, {})
        results = target.get("properties", {}).get("results", {})
        if name.startswith("Paginated") and "$ref" in results.get("items", {}):
            return results["items"]["$ref"].rsplit("/", 1)[-1]
        return name
    if schema.get("type") == "array" and "$ref" in schema.get("items", {}):
        return schema["items"]["$ref"].rsplit("/", 1)[-1]
    return None


def _success_component(operation: dict[str, Any], raw: dict[str, Any]) -> str | None:
    for status, response in operation.get("responses", {}).items():
        if status.startswith("2"):
            for media in response.get("content", {}).values():
                if name := _component(media.get("schema", {}), raw):
                    return name
    return None


def component_models(raw: dict[str, Any]) -> dict[str, type[Model]]:
    """Component name -> model, from the list and detail reads of the model viewsets."""
    found: dict[str, type[Model]] = {}
    for path, item in raw["paths"].items():
        get = item.get("get")
        model = _view_model(path)
        if get is None or model is None or not re.fullmatch(r"[^{}]*(\{id\}/)?", path):
            continue
        if name := _success_component(get, raw):
            found.setdefault(name, model)
    return found


def rows(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        return [row for row in body["results"] if isinstance(row, dict)]
    if isinstance(body, list):
        return [row for row in body if isinstance(row, dict)]
    if isinstance(body, dict) and "id" in body:
        return [body]
    return []


class Fuzzer:
    """One caller's run over every operation of the schema."""

    def __init__(self, app: Any, user: Any, examples: int) -> None:
        self.user = user
        self.examples = examples
        self.headers = {"Authorization": f"Token {_token(user)}"}
        self.schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)
        self.raw = self.schema.raw_schema
        self.models = component_models(self.raw)
        self.oracle = Oracle(user)
        self.counts: Counter[str] = Counter()
        self.failures: dict[tuple[str, str], str] = {}
        self.unchecked_models: set[str] = set()

    def model_checked(self, model: type[Model] | None) -> bool:
        if model is None or model not in self.oracle.forbidden:
            return False
        if self.oracle.self_scope and model._meta.label in MEMBER_READS:
            self.unchecked_models.add(model._meta.label)
            return False
        return True

    def ids(self, model: type[Model] | None) -> st.SearchStrategy[Any] | None:
        if model is None:
            return None
        allowed = self.oracle.allowed_ids(model)
        forbidden = self.oracle.forbidden_ids(model) if self.model_checked(model) else []
        choices = [("in", pk) for pk in allowed] + [("out", pk) for pk in forbidden]
        return st.sampled_from(choices) if choices else None

    def leaks(self, label: str, response: Any, model: type[Model] | None, out: bool) -> list[str]:
        """Everything in this answer the caller may not see."""
        found = []
        if out and 200 <= response.status_code < 300:
            found.append(f"a path id outside scope answered {response.status_code}")
        try:
            body = json.loads(response.content) if response.content else None
        except ValueError:
            return found
        if self.model_checked(model):
            forbidden = self.oracle.forbidden[model]
            found += [
                f"{model._meta.label} {row['id']}"
                for row in rows(body)
                if row.get("id") in forbidden
            ]
        personal = self.oracle.foreign_personal_data
        found += [f"personal data {text!r}" for text in strings(body) if text in personal]
        return found

    def run(self, negative: int = 0) -> None:
        for result in self.schema.get_all_operations():
            op = result.ok()
            self.operation(op, GenerationMode.POSITIVE, self.examples)
            if negative:
                self.operation(op, GenerationMode.NEGATIVE, negative)
            self.counts["operations"] += 1

    def operation(self, op: Any, mode: GenerationMode, examples: int) -> None:
        path_model = _view_model(op.path) if "{id}" in op.path else None
        ids = self.ids(path_model)
        answer = _success_component(op.definition.raw, self.raw)
        body_model = self.models.get(answer) if answer else None
        strategy = st.tuples(
            op.as_strategy(generation_mode=mode), ids if ids is not None else st.none()
        )
        fuzzer = self

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=EXAMPLES is None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(drawn=strategy)
        def fuzz(drawn: tuple[Any, tuple[str, int] | None]) -> None:
            case, chosen = drawn
            if chosen is not None:
                case.path_parameters["id"] = chosen[1]
            fuzzer.counts[f"examples {mode.value}"] += 1
            fuzzer.one(op.label, case, body_model, out=chosen is not None and chosen[0] == "out")

        try:
            fuzz()
        except Unsatisfiable:
            # Nothing to break: an operation without parameters or body has no negative case.
            assert mode is GenerationMode.NEGATIVE, op.label
            self.counts["without negative cases"] += 1

    def one(self, label: str, case: Any, model: type[Model] | None, out: bool) -> None:
        try:
            response = case.call(headers=self.headers)
        except Exception as error:  # noqa: BLE001 - an exception escaping the app is a 500
            self.failures.setdefault((label, type(error).__name__), repr(error)[:2000])
            return
        self.counts[f"status {response.status_code}"] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=self.headers)
        except BaseExceptionGroup as group:
            for failure in group.exceptions:
                key = (label, getattr(failure, "title", type(failure).__name__))
                self.failures.setdefault(key, str(failure)[:2000])
        for leak in self.leaks(label, response, model, out):
            self.failures.setdefault((label, "out of scope"), f"{leak}: {case.formatted_path}")

    def oracle_size(self) -> str:
        rows = sum(len(ids) for ids in self.oracle.forbidden.values())
        models = sum(1 for ids in self.oracle.forbidden.values() if ids)
        personal = len(self.oracle.foreign_personal_data)
        return f"{rows} rows of {models} models and {personal} personal values out of scope"

    def report(self) -> str:
        statuses = ", ".join(
            f"{k[7:]}×{v}" for k, v in sorted(self.counts.items()) if k.startswith("status")
        )
        return (
            f"api fuzz as {self.user.username}: {self.counts['operations']} operations, "
            f"{self.counts['examples positive']} examples "
            f"+ {self.counts['examples negative']} negative ({statuses}); "
            f"{len(self.failures)} failures; {self.oracle_size()}"
        )


@pytest.mark.parametrize("username", ["jingchuan", "member_jc"])
def test_api_fuzz_answers_within_the_schema_and_the_scope(
    wsgi_app: Any, demo: Any, username: str, report_figure: Any
) -> None:
    fuzzer = Fuzzer(wsgi_app, demo(f"user:{username}"), EXAMPLES or DEFAULT_EXAMPLES)
    assert len(fuzzer.models) >= 30, sorted(fuzzer.models)  # the scope check has rows to read
    started = time.monotonic(), time.process_time()
    fuzzer.run(negative=NEGATIVE)
    wall, cpu = time.monotonic() - started[0], time.process_time() - started[1]
    report_figure(f"{fuzzer.report()} in {wall:.1f} s ({cpu:.1f} s of processor time)")
    if fuzzer.unchecked_models:
        print(f"  member reads by rule, not row-checked: {sorted(fuzzer.unchecked_models)}")
    details = "\n\n".join(
        f"== {label} [{kind}]\n{text}" for (label, kind), text in fuzzer.failures.items()
    )
    assert not fuzzer.failures, details
    assert fuzzer.counts["operations"] >= 150
    assert fuzzer.counts["status 200"] > 0
