"""The permission matrix's machinery (issue 16, item 1): the roles' users, every route the
resolver holds, the objects in and out of each role's scope, and one request sent and
classified. The expectations live in ``permission_matrix_table``; the proof in
``test_permission_matrix``.

Every request runs in a savepoint rolled back after it, so an in-scope change (a POST that
goes through) leaves nothing for the next request to trip over, and a write is seen by the
audit rows it left (every write of an audited model leaves one, by signal, in the request).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from liudong.core.scope import CHANGE, SYSTEM, restrict, rule_for
from tests.core.test_scope_generic import belonging_to

# The roles, in the table's column order, the demo user who plays each and the county whose
# objects are out of that user's scope: 灵台县 (620822) for 泾川县's (620821) users, 泾川 for
# the member of 灵台 (the demo's member with check-ins, sign-ups and contacts).
ROLES = ("anonymous", "member", "department", "secretary", "station", "county", "city")
PLAYERS = {
    "member": ("member_lt", "620821"),
    "department": ("dept_jingchuan", "620822"),
    "secretary": ("secretary_jc", "620822"),
    "station": ("station05", "620822"),  # 平凉市驻西安雁塔区流动党员联络站党支部, run by 泾川
    "county": ("jingchuan", "620822"),
    "city": ("city", "620822"),
    "anonymous": ("", "620822"),
}
# Audit kinds that record a read or a refusal, not a write.
READ_KINDS = {"reveal", "export", "denied", "reveal_forbidden", "read", "failed"}
LOGIN_PATHS = ("/accounts/login/", "/accounts/phone/", "/admin/login/")
SAFE_METHODS = ("get",)


def _clean(route: str) -> str:
    return route.replace("^", "").replace("$", "").replace("\\", "")


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the route itself when it has no name
    route: str  # as the resolver writes it, without anchors
    entry: URLPattern

    @property
    def params(self) -> list[str]:
        found = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", self.route)
        return [a or b for a, b in found]

    @property
    def api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def model(self) -> type[Model] | None:
        callback = self.entry.callback
        queryset = getattr(getattr(callback, "cls", None), "queryset", None)
        if queryset is not None:
            return queryset.model
        return getattr(callback, "scope_model", None)

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods to try: a viewset's own, else GET and POST (a page answers 405 to
        the one it does not take, which the matrix reads as "not offered")."""
        actions = getattr(self.entry.callback, "actions", None)
        if actions:
            order = ("get", "post", "put", "patch", "delete")
            return tuple(m for m in order if m in actions)
        return ("get", "post")

    def url(self, values: dict[str, Any]) -> str:
        """The URL with ``values`` in its parameters (and ``values["?"]`` as its query)."""
        path = self.route
        query = values.get("?")
        for name, value in values.items():
            if name == "?":
                continue
            path = re.sub(rf"\(\?P<{name}>[^)]*\)", str(value), path)
            path = re.sub(rf"<(?:\w+:)?{name}>", str(value), path)
        return "/" + path + (f"?{query}" if query else "")


def _walk(patterns: list[Any], prefix: str, spaces: tuple[str, ...]) -> Iterator[Route]:
    for entry in patterns:
        route = prefix + _clean(str(entry.pattern))
        if isinstance(entry, URLResolver):
            inner = spaces + ((entry.namespace,) if entry.namespace else ())
            yield from _walk(entry.url_patterns, route, inner)
        else:
            key = ":".join([*spaces, entry.name]) if entry.name else route
            yield Route(key, route, entry)


def all_routes(patterns: list[Any] | None = None) -> list[Route]:
    """Every route of the resolver once (a second pattern for the same URL and name, which
    the first one answers, is left out)."""
    seen: set[tuple[str, str]] = set()
    found = []
    for route in _walk(patterns if patterns is not None else get_resolver().url_patterns, "", ()):
        if (route.key, route.route) in seen:
            continue
        seen.add((route.key, route.route))
        found.append(route)
    return found


# --- objects in and out of a role's scope ---------------------------------------------------


def in_scope(user: Any, model: type[Model], narrow: Any = None) -> Model | None:
    """An object the user may see, one they may change when there is one (the first by
    key, so both databases pick the same); any row for the public reference data."""
    rows = model._default_manager.order_by("pk")
    if narrow is not None:
        rows = narrow(rows)
    rule = rule_for(model)
    if rule.public:
        return rows.first()
    if rule.change:
        changeable = restrict(user, rows, CHANGE).first()
        if changeable is not None:
            return changeable
    return restrict(user, rows).first()


def out_of_scope(user: Any, model: type[Model], other: Any, narrow: Any = None) -> Model | None:
    """An object of the other county the user may not see (None: the user sees every row,
    or the model is public reference data)."""
    if rule_for(model).public:
        return None
    visible = restrict(user, model._default_manager.all()).values("pk")
    rows = belonging_to(model, other).exclude(pk__in=visible).order_by("pk")
    if narrow is not None:
        rows = narrow(rows)
    found = rows.first()
    if found is None:
        rest = model._default_manager.exclude(pk__in=visible).order_by("pk")
        found = (narrow(rest) if narrow is not None else rest).first()
    return found


def pick(
    user: Any, model: type[Model], other: Any, audience: Any = None, narrow: Any = None
) -> dict[str, Model | None]:
    """The in-scope and out-of-scope objects of ``model`` for ``user``. ``audience``: the
    rows a page shows the user by its own rule rather than the gate's (a member's notices,
    activities and job openings are an audience, not a scope)."""
    if audience is None:
        return {
            "in": in_scope(user, model, narrow),
            "out": out_of_scope(user, model, other, narrow),
        }
    rows = audience if narrow is None else narrow(audience)
    inside = rows.order_by("pk").first()
    outside_rows = model._default_manager.exclude(pk__in=rows.values("pk"))
    if narrow is not None:
        outside_rows = narrow(outside_rows)
    preferred = outside_rows.filter(pk__in=belonging_to(model, other).values("pk"))
    outside = preferred.order_by("pk").first() or outside_rows.order_by("pk").first()
    return {"in": inside, "out": outside}


# --- one request -------------------------------------------------------------------------------


@dataclass
class Outcome:
    status: int
    location: str
    wrote: bool
    response: Any
    error: str = ""

    @property
    def denied(self) -> bool:
        """Refused: not found, forbidden, not allowed, or sent to sign in."""
        if self.status in (401, 403, 404, 405):
            return True
        return self.status == 302 and self.location.split("?")[0].endswith(LOGIN_PATHS)

    @property
    def code(self) -> str:
        mark = "W" if self.wrote else ""
        if self.error:
            return "E"
        if self.status == 302 and self.denied:
            return "L" + mark
        return f"{self.status}{mark}"


def audit_mark() -> int:
    from liudong.core.models import AuditEvent

    return AuditEvent.objects.aggregate(top=Max("pk"))["top"] or 0


def wrote_since(mark: int) -> bool:
    from liudong.core.models import AuditEvent

    return AuditEvent.objects.filter(pk__gt=mark).exclude(kind__in=READ_KINDS).exists()


def _keep_signed_in(client: Client, before: str | None) -> None:
    """A request that signed the client out (the sign-out page) or in again: the next
    request is the role's again."""
    session = client.cookies.get(settings.SESSION_COOKIE_NAME)
    if before is not None and (session is None or session.value != before):
        client.force_login(client.matrix_user)


def send(client: Client, method: str, url: str, *, api: bool) -> Outcome:
    """One request in a savepoint rolled back after it; a 500 is an outcome, not a crash."""
    kwargs: dict[str, Any] = {}
    if api:
        kwargs["HTTP_ACCEPT"] = "application/json"
        if method != "get":
            kwargs.update(data="{}", content_type="application/json")
    elif method != "get":
        kwargs["data"] = {}
    session = client.cookies.get(settings.SESSION_COOKIE_NAME)
    before = session.value if session is not None else None
    with transaction.atomic():
        mark = audit_mark()
        try:
            response = getattr(client, method)(url, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a 500: reported with the route
            transaction.set_rollback(True)
            return Outcome(500, "", False, None, error=f"{type(exc).__name__}: {exc}"[:300])
        wrote = wrote_since(mark)
        transaction.set_rollback(True)
    _keep_signed_in(client, before)
    return Outcome(response.status_code, response.get("Location", ""), wrote, response)


# --- the walk ----------------------------------------------------------------------------------


@dataclass
class Probe:
    route: Route
    case: str  # "route" (no object in the URL), "in" (in scope), "out" (out of scope)
    method: str
    url: str
    outcome: Outcome


def clients_for(role: str, user: Any) -> tuple[Client, Client]:
    """The role's client for pages and for the API: a member's phone uses its API token
    (issued on sign-in with a one-time code), everyone else their session."""
    if user is None:
        return Client(), Client()
    page = Client()
    page.matrix_user = user
    page.force_login(user)
    if role != "member":
        return page, page
    from liudong.accounts import actions as accounts

    token = accounts.issue_api_token(user)
    return page, Client(HTTP_AUTHORIZATION=f"Token {token.key}")


def cases_for(route: Route, role: str, user: Any, other: Any, table: Any) -> dict[str, Any]:
    """The URL parameters per case: "route" for a URL without an object, "in" and "out"
    for one with (None: no such object for this user)."""
    special = table.TARGETS.get(route.key)
    if special is not None:
        return special(user, role, other)
    if not route.params:
        return {"route": {}}
    if route.params != ["pk"] or route.model is None:
        raise LookupError(f"{route.key}: say in TARGETS how to fill {route.params}")
    audience = table.AUDIENCES.get(route.model) if role == "member" else None
    if user is None:  # a visitor: any object, and the other county's
        found = {"in": in_scope(SYSTEM, route.model), "out": out_of_scope(None, route.model, other)}
    else:
        found = pick(user, route.model, other, audience=audience(user) if audience else None)
    return {case: ({"pk": obj.pk} if obj is not None else None) for case, obj in found.items()}


def probe_route(
    route: Route, role: str, user: Any, other: Any, clients: Any, table: Any
) -> list[Probe]:
    probes = []
    page, api = clients
    for case, values in cases_for(route, role, user, other, table).items():
        if values is None:
            probes.append(Probe(route, case, "", "", None))
            continue
        url = route.url(values)
        for method in route.methods:
            outcome = send(api if route.api else page, method, url, api=route.api)
            probes.append(Probe(route, case, method, url, outcome))
    return probes


def get_letter(outcome: Outcome) -> str:
    """s: shown (2xx), r: redirected, -: refused, n: not offered (405), b: bad request
    (a parameter missing), x: anything else (406: the API's browsable docs)."""
    if outcome.denied:
        return "n" if outcome.status == 405 else "-"
    if 200 <= outcome.status < 300:
        return "s"
    if 300 <= outcome.status < 400:
        return "r"
    return "b" if outcome.status == 400 else "x"


def change_letter(outcomes: list[Outcome]) -> str:
    """w: wrote, a: answered without writing (a form shown again, a validation error, a
    refusal with a message), -: refused, n: not offered (405 to every method)."""
    if any(o.wrote for o in outcomes):
        return "w"
    if all(o.status == 405 for o in outcomes):
        return "n"
    if all(o.denied for o in outcomes):
        return "-"
    return "a"


def cell(probes: list[Probe]) -> str:
    """The table's cell for one route and role, from its in-scope (or route) probes: the
    GET's letter and the other methods' letter; "." when the role has no object in scope."""
    mine = [p for p in probes if p.case in ("route", "in")]
    if not mine or any(p.outcome is None for p in mine):
        return "."
    gets = [p.outcome for p in mine if p.method == "get"]
    changes = [p.outcome for p in mine if p.method != "get"]
    first = get_letter(gets[0]) if gets else "n"
    second = change_letter(changes) if changes else "n"
    return first + second
