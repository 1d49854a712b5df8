"""The soak's users, for locust (``benchmarks/soak.py`` runs this file headless).

Reads the plan ``soak.py`` wrote (``SOAK_PLAN``: accounts, sessions, tokens, stations); writes
to ``SOAK_OUT`` when the run stops every request's time by kind, the failures and every write
the server accepted (keys and ids), which ``soak.py`` then looks for in the database.

Four kinds of users, in the plan's numbers:

- ``PhoneMember``: a member's phone page, signed in (a session). Opens a station's QR link,
  checks in with a key made on the phone, in the form's field and the ``Idempotency-Key``
  header as ``member.js`` sends it (a share of them sent twice, as the phone's outbox does
  when an answer is lost), sees the check-in, withdraws a pending one, checks out of a
  confirmed one, opens the home page.
- ``AppMember``: the member's app (an API token): check-ins and service requests with an
  ``Idempotency-Key`` (a share sent twice), its own check-ins.
- ``StationStaff``: a station's staff (a session): the workbench, the check-ins to answer,
  confirms the pending check-ins of their station, the service requests, the station page.
- ``Administrator``: the city and the county committees (a session): the workbench, the
  ledgers with filters, a search, a member's page, the dashboard, an .xlsx export.

Members are shared through pools in this process (locust's users are greenlets in one
thread: taking from a pool is atomic): no active check-in, pending at each station,
confirmed. A user takes what it acts on out of its pool, so no two act on one check-in at
once and every answer expected is the only right one: anything else is an error.
"""

from __future__ import annotations

import json
import os
import random
import re
import uuid
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

PLAN = json.loads(Path(os.environ["SOAK_PLAN"]).read_text(encoding="utf-8"))
WAIT = float(PLAN["wait"])
RESEND = float(PLAN["resend"])
RNG = random.Random(PLAN["seed"])

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TO_DETAIL = re.compile(r"/m/check-ins/(\d+)/$")
MEMBER_LINK = re.compile(r'href="/ledger/members/(\d+)/"')
PAGE_ERROR = ("m-msg-error", 'id="error"', "alert-danger")


class Member:
    """A soak member: its session (the phone page) and API token (the app)."""

    __slots__ = ("id", "user", "session", "token", "check_in", "station", "retired")

    def __init__(self, row: dict[str, Any]) -> None:
        self.id, self.user = row["id"], row["user"]
        self.session, self.token = row["session"], row["token"]
        self.check_in: int | None = None
        self.station: dict[str, Any] | None = None
        self.retired = False  # checked out (the record closed), or its state unknown


MEMBERS = [Member(row) for row in PLAN["members"]]
RNG.shuffle(MEMBERS)
STATIONS = PLAN["stations"]
FREE: deque[Member] = deque(MEMBERS)
PENDING: dict[int, deque[Member]] = {s["id"]: deque() for s in STATIONS}
CONFIRMED: deque[Member] = deque()

ACCEPTED: dict[str, list[Any]] = defaultdict(list)
TIMES: dict[str, list[float]] = defaultdict(list)
FAILURES: dict[str, int] = defaultdict(int)
SAMPLES: list[str] = []
COUNTER = iter(range(1, 10**9))


@events.request.add_listener
def _on_request(name: str, response_time: float, exception: Any = None, **_: Any) -> None:
    TIMES[name].append(response_time)
    if exception is not None:
        FAILURES[name] += 1
        if len(SAMPLES) < 30:
            SAMPLES.append(f"{name}: {exception}"[:300])


def _write_out(**_: Any) -> None:
    out = {
        "times": TIMES,
        "failures": FAILURES,
        "samples": SAMPLES,
        "accepted": ACCEPTED,
        "pools": {
            "free": len(FREE),
            "pending": sum(len(q) for q in PENDING.values()),
            "confirmed": len(CONFIRMED),
            "retired": sum(1 for m in MEMBERS if m.retired),
        },
    }
    Path(os.environ["SOAK_OUT"]).write_text(json.dumps(out), encoding="utf-8")


events.test_stop.add_listener(_write_out)
events.quitting.add_listener(_write_out)


def _page_problem(response: Any) -> str | None:
    """A refusal shown in the page (an action's message, a form's error), else None."""
    text = response.text
    for marker in PAGE_ERROR:
        if marker in text:
            return f"the page shows a refusal ({marker})"
    return None


def _has_id(r: Any) -> str | None:
    return None if isinstance(r.json().get("id"), int) else "no id in the answer"


def _replayed(pk: int) -> Any:
    """The check of an answer to a write sent again: the same row, marked replayed."""

    def check(r: Any) -> str | None:
        same = r.json().get("id") == pk and r.headers.get("Idempotent-Replayed")
        return None if same else "not the same row replayed"

    return check


class Soaker(HttpUser):
    abstract = True
    wait_time = between(0.5 * WAIT, 1.5 * WAIT)

    def call(
        self,
        method: str,
        url: str,
        name: str,
        expect: tuple[int, ...],
        *,
        check: Any = None,
        **kwargs: Any,
    ) -> Any:
        """One request counted under ``name``: the response when its status is one of
        ``expect`` and ``check`` (if given) finds nothing wrong, else None (a failure)."""
        kwargs.setdefault("timeout", 120)
        kwargs.setdefault("allow_redirects", False)
        with self.client.request(method, url, name=name, catch_response=True, **kwargs) as r:
            problem = None
            if r.status_code not in expect:
                problem = f"status {r.status_code} for {method} {url}"
                if getattr(r, "error", None) is not None:  # no answer: what broke
                    problem += f": {type(r.error).__name__}: {r.error}"
            elif check is not None:
                problem = check(r)
            if problem:
                r.failure(problem)
                return None
            r.success()
            return r

    def csrf(self, response: Any) -> str:
        found = CSRF.search(response.text)
        return found.group(1) if found else self.client.cookies.get("csrftoken", "")

    def press(self, page: Any, url: str, name: str, then: str, then_name: str) -> bool:
        """A button's form posted from ``page`` (its CSRF token), then the page the answer
        leads to, as a browser shows it: True when both answered and it shows no refusal."""
        posted = self.call("POST", url, name, (302,), data={"csrfmiddlewaretoken": self.csrf(page)})
        if posted is None:
            return False
        then = posted.headers.get("Location") or then
        return self.call("GET", then, then_name, (200,), check=_page_problem) is not None


class SessionUser(Soaker):
    """A user signed in with a session made before the run (as ``force_login`` makes one)."""

    abstract = True

    def as_session(self, key: str) -> None:
        self.client.cookies.clear()  # a phone's own cookies: nothing left from another
        self.client.cookies.set("sessionid", key)


# --- members ---------------------------------------------------------------------------------


def take_free() -> Member | None:
    while FREE:
        member = FREE.popleft()
        if not member.retired:
            return member
    return None


def take_pending() -> Member | None:
    queues = [q for q in PENDING.values() if q]
    return RNG.choice(queues).popleft() if queues else None


def any_member() -> Member | None:
    for _ in range(20):
        member = RNG.choice(MEMBERS)
        if not member.retired:
            return member
    return None


def set_aside(member: Member) -> None:
    """A member whose last write failed: its state is not known, so no one uses it again."""
    member.retired = True


def _key_headers(key: str, token: str | None = None) -> dict[str, str]:
    headers = {"Idempotency-Key": key}
    if token:
        headers["Authorization"] = f"Token {token}"
    return headers


class PhoneMember(SessionUser):
    @task(4)
    def check_in(self) -> None:
        member = take_free()
        if member is None:
            self.withdraw()
            return
        station = RNG.choice(STATIONS)
        url = f"/s/{station['qr']}/"
        self.as_session(member.session)

        def has_form(r: Any) -> str | None:
            return None if 'id="check-in-form"' in r.text else "no check-in form on the page"

        page = self.call("GET", url, "phone: station page (QR link)", (200,), check=has_form)
        if page is None:
            FREE.append(member)
            return
        key = str(uuid.uuid4())
        form = {"csrfmiddlewaretoken": self.csrf(page), "idempotency_key": key}
        form |= {"method": "qr", "lng": "", "lat": ""}

        def to_detail(r: Any) -> str | None:
            found = TO_DETAIL.search(r.headers.get("Location", ""))
            return None if found else f"answered {r.headers.get('Location')!r}"

        posted = self.call(
            "POST", url, "phone: check in", (302,), check=to_detail, data=form,
            headers=_key_headers(key),
        )  # fmt: skip
        if posted is None:
            set_aside(member)
            return
        pk = int(TO_DETAIL.search(posted.headers["Location"]).group(1))
        ACCEPTED["check_ins"].append({"member": member.id, "key": key, "id": pk, "via": "page"})
        if RNG.random() < RESEND:  # the outbox sends it again: the answer was lost

            def same(r: Any) -> str | None:
                found = TO_DETAIL.search(r.headers.get("Location", ""))
                return None if found and int(found.group(1)) == pk else "another check-in"

            self.call(
                "POST", url, "phone: check in again (same key)", (302,), check=same,
                data=form, headers=_key_headers(key),
            )  # fmt: skip
        self.call("GET", f"/m/check-ins/{pk}/", "phone: my check-in", (200,), check=_page_problem)
        member.check_in, member.station = pk, station
        PENDING[station["id"]].append(member)

    @task(2)
    def withdraw(self) -> None:
        member = take_pending()
        if member is None:
            return
        self.as_session(member.session)
        detail = f"/m/check-ins/{member.check_in}/"
        page = self.call("GET", detail, "phone: my check-in", (200,), check=_page_problem)
        if page is None:
            PENDING[member.station["id"]].append(member)
            return
        if not self.press(
            page, f"{detail}cancel/", "phone: withdraw", detail, "phone: my check-in"
        ):
            set_aside(member)
            return
        ACCEPTED["cancels"].append(member.check_in)
        member.check_in = member.station = None
        FREE.append(member)

    @task(1)
    def check_out(self) -> None:
        if not CONFIRMED:
            self.home()
            return
        member = CONFIRMED.popleft()
        member.retired = True  # its record closes: no service request may race the check-out
        self.as_session(member.session)
        detail = f"/m/check-ins/{member.check_in}/"
        page = self.call("GET", detail, "phone: my check-in", (200,), check=_page_problem)
        if page is None:
            member.retired = False
            CONFIRMED.append(member)
            return
        # The record is closed (or, not shown, its state unknown): retired either way.
        if self.press(
            page, f"{detail}check-out/", "phone: check out", detail, "phone: my check-in"
        ):
            ACCEPTED["check_outs"].append(member.check_in)

    @task(2)
    def home(self) -> None:
        member = any_member()
        if member is not None:
            self.as_session(member.session)
            self.call("GET", "/home/", "phone: home page", (200,))


class AppMember(Soaker):
    @task(3)
    def check_in(self) -> None:
        member = take_free()
        if member is None:
            self.requests()
            return
        station = RNG.choice(STATIONS)
        key = str(uuid.uuid4())
        body = {"station": station["code"]}

        done = self.call(
            "POST", "/api/v1/check-ins/", "app: check in (API)", (201,), check=_has_id,
            json=body, headers=_key_headers(key, member.token),
        )  # fmt: skip
        if done is None:
            set_aside(member)
            return
        pk = done.json()["id"]
        ACCEPTED["check_ins"].append({"member": member.id, "key": key, "id": pk, "via": "api"})
        if RNG.random() < RESEND:
            self.call(
                "POST", "/api/v1/check-ins/", "app: check in again (same key)", (201,),
                check=_replayed(pk), json=body, headers=_key_headers(key, member.token),
            )  # fmt: skip
        member.check_in, member.station = pk, station
        PENDING[station["id"]].append(member)

    @task(3)
    def requests(self) -> None:
        member = any_member()
        if member is None:
            return
        station = RNG.choice(STATIONS)
        key = str(uuid.uuid4())
        body = {
            "station": station["code"],
            "kind": "other",
            "description": f"压测 {next(COUNTER)}: 想了解务工地的党组织活动安排。",
        }

        done = self.call(
            "POST", "/api/v1/service-requests/", "app: service request (API)", (201,),
            check=_has_id, json=body, headers=_key_headers(key, member.token),
        )  # fmt: skip
        if done is None:
            return
        pk = done.json()["id"]
        ACCEPTED["service_requests"].append({"member": member.id, "key": key, "id": pk})
        if RNG.random() < RESEND:
            self.call(
                "POST", "/api/v1/service-requests/", "app: service request again (same key)",
                (201,), check=_replayed(pk), json=body, headers=_key_headers(key, member.token),
            )  # fmt: skip

    @task(2)
    def mine(self) -> None:
        member = any_member()
        if member is not None:
            self.call(
                "GET", "/api/v1/check-ins/", "app: my check-ins (API)", (200,),
                headers={"Authorization": f"Token {member.token}"},
            )  # fmt: skip


# --- staff -----------------------------------------------------------------------------------

_STATION_TURN = iter(range(10**9))
_ADMIN_TURN = iter(range(10**9))


class StationStaff(SessionUser):
    def on_start(self) -> None:
        self.station = STATIONS[next(_STATION_TURN) % len(STATIONS)]
        self.as_session(RNG.choice(self.station["sessions"]))

    @task(2)
    def workbench(self) -> None:
        self.call("GET", "/home/", "staff: workbench", (200,), check=_page_problem)

    @task(2)
    def check_ins(self) -> None:
        self.call("GET", "/stations/check-ins/", "staff: check-ins to answer", (200,))

    @task(4)
    def confirm(self) -> None:
        queue = PENDING[self.station["id"]]
        if not queue:
            self.check_ins()
            return
        member, page_name = queue.popleft(), "staff: check-ins to answer"
        page = self.call("GET", "/stations/check-ins/", page_name, (200,))
        if page is None:
            queue.append(member)
            return
        url = f"/stations/check-ins/{member.check_in}/confirm/"
        if not self.press(page, url, "staff: confirm", "/stations/check-ins/", page_name):
            set_aside(member)
            return
        ACCEPTED["confirms"].append({"id": member.check_in, "by": self.station["staff"]})
        CONFIRMED.append(member)

    @task(1)
    def service_requests(self) -> None:
        self.call("GET", "/requests/", "staff: service requests", (200,))

    @task(1)
    def station_page(self) -> None:
        self.call("GET", f"/stations/{self.station['id']}/", "staff: station page", (200,))


class Administrator(SessionUser):
    LEDGERS = ("out-of-province", "out-of-city", "out-of-county", "inflow")

    def on_start(self) -> None:
        self.admin = PLAN["admins"][next(_ADMIN_TURN) % len(PLAN["admins"])]
        self.as_session(RNG.choice(self.admin["sessions"]))
        self.seen: list[str] = []

    def ledger_page(self, url: str, name: str) -> None:
        page = self.call("GET", url, name, (200,), check=_page_problem)
        if page is not None:
            self.seen = MEMBER_LINK.findall(page.text)[:50] or self.seen

    @task(2)
    def workbench(self) -> None:
        self.call("GET", "/home/", "admin: workbench", (200,), check=_page_problem)

    @task(3)
    def ledger(self) -> None:
        self.ledger_page(f"/ledger/{RNG.choice(self.LEDGERS)}/", "admin: ledger")

    @task(3)
    def ledger_filtered(self) -> None:
        status = RNG.choice(("registered", "managed", "lost"))
        query = f"?status={status}&sort={RNG.choice(('name', '-left_on', 'destination'))}"
        self.ledger_page(f"/ledger/out-of-province/{query}", "admin: ledger, filtered and sorted")

    @task(1)
    def ledger_page_two(self) -> None:
        self.ledger_page("/ledger/out-of-province/?page=2", "admin: ledger, page 2")

    @task(1)
    def search(self) -> None:
        query = RNG.choice(("王", "李", "张", "刘", "陈", "杨", "zh", "wang"))
        self.ledger_page(f"/ledger/members/?q={query}", "admin: member search")

    @task(3)
    def member(self) -> None:
        if not self.seen:
            self.ledger()
            return
        pk = RNG.choice(self.seen)
        self.call("GET", f"/ledger/members/{pk}/", "admin: member page", (200,))

    @task(2)
    def dashboard(self) -> None:
        self.call("GET", "/statistics/dashboard/", "admin: dashboard", (200,), check=_page_problem)

    @task(1)
    def export(self) -> None:
        status = RNG.choice(("registered", "managed"))

        def workbook(r: Any) -> str | None:
            return None if r.content[:2] == b"PK" else "not an .xlsx file"

        done = self.call(
            "GET", f"/ledger/export/out_of_province/?status={status}", "admin: export .xlsx",
            (200,), check=workbook,
        )  # fmt: skip
        if done is not None:
            ACCEPTED["exports"].append(self.admin["user"])


def _numbers() -> None:
    """The plan's number of each kind of user (locust's ``fixed_count``)."""
    for cls in (PhoneMember, AppMember, StationStaff, Administrator):
        cls.fixed_count = int(PLAN["users_by_kind"][cls.__name__])


_numbers()
