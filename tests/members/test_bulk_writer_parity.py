"""The ledger's set-based writer (``members.actions.write_rows``) against the single-object
actions (``create_member``, ``update_member``, ``register_flow``): the same rows give the
same database state (members, flow records, their derived fields, the rollup's
``FlowTally`` rows) and equivalent audit rows, and the same refusals.

Each case runs both paths from the same starting state, each in a savepoint rolled back
once its result is read, so the two are compared on one database (SQLite or PostgreSQL).
"Equivalent" audit rows: the writer writes one row per changed object; a single action may
write two for one object (a member created, then given the inflow side of the record
registered for them), so the single path's rows are folded per object: its first kind and
verb, the before of the first change of each field and the after of the last, the last
organization path and name. Keys and timestamps are compared by what they point at.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.db import models, transaction

from liudong.accounts.models import Role, User
from liudong.analytics.models import FlowTally
from liudong.core.errors import DomainError
from liudong.core.models import AuditEvent
from liudong.core.scope import SYSTEM
from liudong.members import actions
from liudong.members.actions.bulk import FLOW_KEYS, MEMBER_KEYS
from liudong.members.models import FlowRecord, Member
from liudong.orgs.models import Organization
from liudong.regions.models import Place
from tests.members.helpers import id_number, make_flow, make_member

LEFT = datetime.date(2024, 3, 1)


class _Done(Exception):
    """Leaves a savepoint after its state was read (rolled back)."""


def _plain(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


def _run(work: Callable[[], Any]) -> dict[str, Any]:
    """Run ``work`` in a savepoint; the state it leaves, or its refusal; then roll back."""
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            try:
                work()
            except DomainError as exc:
                result["refused"] = (type(exc).__name__, exc.code, exc.field)
            result.update(_state(mark))
            raise _Done
    except _Done:
        pass
    return result


def _state(mark: int) -> dict[str, Any]:
    index = dict(Member.objects.values_list("pk", "id_number_index"))
    members = {
        row.pop("id_number_index"): {
            k: v for k, v in row.items() if k not in ("id", "created_at", "updated_at")
        }
        for row in Member.objects.values()
    }
    flows = sorted(
        (
            (index[row["member_id"]], str(row["left_on"]), row["is_open"]),
            {k: v for k, v in row.items() if k not in ("id", "member_id", "created_at")},
        )
        for row in FlowRecord.objects.values()
    )
    tallies = sorted(
        tuple(sorted((k, str(v)) for k, v in row.items() if k != "id"))
        for row in FlowTally.objects.values()
    )
    return {
        "members": members,
        "flows": flows,
        "tallies": tallies,
        "audit": _folded(mark, index),
    }


def _folded(mark: int, index: dict[int, str]) -> dict[Any, dict[str, Any]]:
    flow_keys = {
        f.pk: (index[f.member_id], f.left_on.isoformat())
        for f in FlowRecord.objects.only("pk", "member_id", "left_on")
    }
    folded: dict[Any, dict[str, Any]] = {}
    for event in AuditEvent.objects.filter(pk__gt=mark).order_by("pk"):
        model = event.content_type.model_class() if event.content_type_id else None
        if model is Member:
            key: Any = ("member", index[int(event.object_id)])
        elif model is FlowRecord:
            key = ("flow", flow_keys[int(event.object_id)])
        else:
            key = (event.verb, event.kind, event.detail)
        changes = {side: _normalized(values, index) for side, values in event.changes.items()}
        seen = folded.get(key)
        if seen is None:
            folded[key] = {
                "kind": event.kind,
                "verb": event.verb,
                "actor": (event.actor_id, event.actor_name),
                "before": dict(changes.get("before", {})),
                "after": dict(changes.get("after", {})),
                "org_path": event.org_path,
                "object": event.object_repr,
            }
            continue
        assert seen["actor"] == (event.actor_id, event.actor_name)
        for name, old in changes.get("before", {}).items():
            if name not in seen["after"]:
                seen["before"].setdefault(name, old)
        seen["after"].update(changes.get("after", {}))
        seen["org_path"], seen["object"] = event.org_path, event.object_repr
    for entry in folded.values():  # a field changed and changed back is no change
        for name in [n for n in entry["before"] if entry["before"][n] == entry["after"].get(n)]:
            del entry["before"][name], entry["after"][name]
    return folded


def _normalized(values: dict[str, Any], index: dict[int, str]) -> dict[str, Any]:
    out = {k: v for k, v in values.items() if k not in ("id", "created_at", "updated_at")}
    if "member" in out:
        out["member"] = index.get(out["member"], out["member"])
    return out


# --- rows as a caller prepares them: checked by the ledger's own rules ---------------------


def _member_fields(home: Organization | None, **extra: Any) -> dict[str, Any]:
    return {
        "name": "王五",
        "sex": "1",
        "ethnicity": "01",
        "birth_date": None,
        "id_number": id_number((home.place_id if home else None) or "620821"),
        "phone": "13912345678",
        "education": "21",
        "joined_on": datetime.date(2010, 7, 1),
        "membership": "full",
        "home_organization": home,
        "home_organization_name": "" if home else "陕西省西安市某村党支部",
        "home_place": None if home else Place.objects.get(code="610113"),
    } | extra


def _new_member(fields: dict[str, Any]) -> dict[str, Any]:
    values = fields | actions.check_member_values(fields)
    return {k: _plain(values.get(k)) for k in MEMBER_KEYS if k != "user"}


def _changes(member: Member, changes: dict[str, Any]) -> dict[str, Any]:
    """An update's row: the changed fields and what the rules derive from them."""
    values = {name: getattr(member, name) for name in actions.MEMBER_FIELDS} | changes
    checked = actions.check_member_values(values)
    derived = {"phone": ("phone_index", "phone_masked"), "id_number": ("id_number_index",)}
    row = {k: _plain(v) for k, v in changes.items()}
    for name in changes:
        for extra in derived.get(name, ()):
            row[extra] = checked[extra]
    return row


def _stay(**facts: Any) -> dict[str, Any]:
    """register_flow's arguments for a stay in 雁塔区."""
    return {
        "direction": "outflow",
        "destination_place": Place.objects.get(code="610113"),
        "reason": "work",
        "left_on": LEFT,
        "employer": " 西安某建筑公司 ",
    } | facts


def _new_stay(member: Any, facts: dict[str, Any], home: Any = None) -> dict[str, Any]:
    """The plain facts of a stay, checked as :func:`prepare_flow` checks them."""
    checked = actions.check_flow_values(
        birth_date=member["birth_date"] if isinstance(member, dict) else member.birth_date,
        home_organization=home,
        home_place=Place.objects.get(
            pk=member["home_place"] if isinstance(member, dict) else member.home_place_id
        ),
        **facts,
    )
    return {k: _plain(checked.get(k)) for k in FLOW_KEYS}


def _same(single: Callable[[], Any], bulk: Callable[[], Any]) -> dict[str, Any]:
    one, many = _run(single), _run(bulk)
    assert one.keys() == many.keys()
    assert one.get("refused") == many.get("refused")
    assert one["members"] == many["members"]
    assert one["flows"] == many["flows"]
    assert one["tallies"] == many["tallies"]
    assert one["audit"] == many["audit"]
    return many


@pytest.fixture(params=["system", "county"])
def actor(request: Any, demo: Any) -> Any:
    return SYSTEM if request.param == "system" else demo("user:jingchuan")


@pytest.fixture
def branches(demo: Any) -> list[Organization]:
    county = demo("620821")
    return list(
        Organization.objects.filter(path__startswith=county.path, kind="branch").order_by("code")[
            :2
        ]
    )


def test_new_members_and_their_stays(demo: Any, actor: Any, branches: Any) -> None:
    station = demo("user:station05").organization
    home = _member_fields(branches[0], name="李四")
    elsewhere = _member_fields(None, name="赵钱", sex="2", phone="13712345678")
    elsewhere["id_number"] = id_number("610113", sex="2")
    inflow = {"direction": "inflow", "inflow_organization": station}
    inflow["destination_place"] = Place.objects.get(code="620821")

    within_city = _stay(destination_place=Place.objects.get(code="620802"))  # 崆峒区

    def single() -> None:
        member = actions.create_member(by=actor, **home)
        actions.register_flow(by=actor, member=member, **within_city)
        other = actions.create_member(by=actor, **elsewhere)
        actions.register_flow(by=actor, member=other, **_stay(**inflow))

    def bulk() -> None:
        first, second = _new_member(home), _new_member(elsewhere)
        written = actions.write_rows(
            [
                actions.LedgerRow(member=first, flow=_new_stay(first, within_city, branches[0])),
                actions.LedgerRow(member=second, flow=_new_stay(second, _stay(**inflow))),
            ],
            by=actor,
        )
        assert (written.members_created, written.flows_registered) == (2, 2)

    state = _same(single, bulk)
    created = state["members"][actions.check_member_values(elsewhere)["id_number_index"]]
    assert created["inflow_organization_id"] == station.pk  # the inflow side, synced
    assert created["name_pinyin"] == actions.pinyin_key("赵钱")
    verbs = sorted(entry["verb"] for entry in state["audit"].values())
    assert verbs == ["flow.register", "flow.register", "member.create", "member.create"]


def test_changed_fields_of_a_member_and_the_open_record_following_home(
    demo: Any, actor: Any, branches: Any
) -> None:
    county = demo("user:jingchuan")
    member = make_member(county, branches[0], name="孙八", phone="13800009999")
    make_flow(county, member)
    changes = {"name": "孙九", "phone": "13900001234", "home_organization": branches[1]}

    def single() -> None:
        actions.update_member(by=actor, member=Member.objects.get(pk=member.pk), **changes)

    def bulk() -> None:
        row = actions.LedgerRow(member=_changes(member, changes), member_id=member.pk)
        assert actions.write_rows([row], by=actor).members_updated == 1

    state = _same(single, bulk)
    flow_entry = next(v for k, v in state["audit"].items() if k[0] == "flow")
    assert flow_entry["verb"] == "member.update"  # the open record follows the member home
    assert flow_entry["after"] == {"home_organization": branches[1].pk}
    member_entry = next(v for k, v in state["audit"].items() if k[0] == "member")
    assert member_entry["before"]["phone"] == "•••" and member_entry["after"]["name"] == "孙九"


def test_a_new_stay_gives_the_member_its_inflow_side(demo: Any, actor: Any, branches: Any) -> None:
    county = demo("user:jingchuan")
    member = make_member(county, branches[0], name="周十", phone="13800007777")
    station = demo("user:station05").organization
    facts = _stay(inflow_organization=station)

    def single() -> None:
        actions.register_flow(by=actor, member=Member.objects.get(pk=member.pk), **facts)

    def bulk() -> None:
        stay = _new_stay(member, facts, branches[0])
        row = actions.LedgerRow(member={}, flow=stay, member_id=member.pk)
        assert actions.write_rows([row], by=actor).flows_registered == 1

    state = _same(single, bulk)
    entry = state["audit"][("member", member.id_number_index)]
    assert (entry["verb"], entry["after"]) == (
        "flow.register",
        {"inflow_organization": station.pk},
    )


def test_the_same_refusals(demo: Any, branches: Any) -> None:
    county = demo("user:jingchuan")
    member = make_member(county, branches[0], name="吴一", phone="13800006666")
    flow = make_flow(county, member)
    lingtai_branch = demo("620822001").children.order_by("code").first()
    station = demo("user:station05")
    theirs = make_member(demo("user:lingtai"), lingtai_branch, name="郑二", phone="13800005555")
    make_flow(demo("user:lingtai"), theirs, inflow_organization=station.organization)
    cases: list[tuple[Any, Callable[[], Any], Callable[[], Any]]] = []

    # A second open record.
    def single_open() -> None:
        actions.register_flow(by=county, member=member, **_stay())

    def bulk_open() -> None:
        stay = _new_stay(member, _stay(), branches[0])
        row = actions.LedgerRow(member={}, flow=stay, member_id=member.pk)
        actions.write_rows([row], by=county)

    cases.append(("open_flow_exists", single_open, bulk_open))

    # An ID number already in the ledger.
    fields = _member_fields(branches[0]) | {"id_number": member.id_number}

    def single_twice() -> None:
        actions.create_member(by=county, **fields)

    def bulk_twice() -> None:
        actions.write_rows([actions.LedgerRow(member=_new_member(fields))], by=county)

    cases.append(("id_number_exists", single_twice, bulk_twice))

    # Another county's member: out of sight.
    hidden = make_member(demo("user:lingtai"), lingtai_branch, name="郑四", phone="13800004444")

    def single_other() -> None:
        actions.update_member(by=county, member=hidden, name="郑三")

    def bulk_other() -> None:
        row = actions.LedgerRow(member=_changes(hidden, {"name": "郑三"}), member_id=hidden.pk)
        actions.write_rows([row], by=county)

    cases.append(("not_found", single_other, bulk_other))

    # The station side sees the member but does not keep their master data.
    def single_station() -> None:
        actions.update_member(by=station, member=theirs, name="郑三")

    def bulk_station() -> None:
        row = actions.LedgerRow(member=_changes(theirs, {"name": "郑三"}), member_id=theirs.pk)
        actions.write_rows([row], by=station)

    cases.append(("not_keeping_side", single_station, bulk_station))

    # A branch outside the actor's scope.
    outside = _member_fields(lingtai_branch, name="冯四")

    def single_outside() -> None:
        actions.create_member(by=county, **outside)

    def bulk_outside() -> None:
        actions.write_rows([actions.LedgerRow(member=_new_member(outside))], by=county)

    cases.append(("organization_out_of_scope", single_outside, bulk_outside))

    # A role that may not change the ledger (a member's own login).
    login = User.objects.filter(role=Role.MEMBER).order_by("username").first()
    assert login is not None and not login.is_staff_role
    home = _member_fields(branches[0], name="陈五")

    def single_role() -> None:
        actions.create_member(by=login, **home)

    def bulk_role() -> None:
        actions.write_rows([actions.LedgerRow(member=_new_member(home))], by=login)

    cases.append(("forbidden", single_role, bulk_role))

    for code, single, bulk in cases:
        state = _same(single, bulk)
        assert state["refused"][1] == code, (code, state["refused"])
        assert not state["audit"], code
    assert FlowRecord.objects.get(pk=flow.pk).is_open


def test_an_earlier_closed_stay_for_an_existing_member(demo: Any, branches: Any) -> None:
    """A loader's history (the demo's earlier stays) for a member already in the ledger:
    inserted closed, as given, with its own ``create`` audit row; an open one is refused
    and nothing is written."""
    county = demo("user:jingchuan")
    member = make_member(county, branches[0], name="吴十一", phone="13800006666")
    open_flow = make_flow(county, member)
    earlier = _new_stay(member, _stay(left_on=datetime.date(2021, 5, 1)), branches[0])
    earlier |= {
        "status": "returned",
        "status_changed_on": datetime.date(2022, 1, 10),
        "closed_on": datetime.date(2022, 1, 10),
    }
    row = actions.LedgerRow(member={}, member_id=member.pk, history=[earlier])
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    written = actions.write_rows([row], by=county)
    (pk,) = written.history_ids[0]
    closed = FlowRecord.objects.get(pk=pk)
    assert (closed.member_id, closed.is_open, closed.status) == (member.pk, False, "returned")
    assert closed.closed_on == datetime.date(2022, 1, 10)
    assert FlowRecord.objects.get(member=member, is_open=True).pk == open_flow.pk
    new_rows = AuditEvent.objects.filter(pk__gt=mark)
    assert [(e.kind, e.verb, e.object_id) for e in new_rows] == [
        ("create", "flow.register", str(pk))
    ]

    still_open = earlier | {"status": "managed", "closed_on": None}
    before = FlowRecord.objects.count()
    with pytest.raises(DomainError) as refused:
        actions.write_rows(
            [actions.LedgerRow(member={}, member_id=member.pk, history=[still_open])], by=county
        )
    assert refused.value.code == "history_open"
    assert FlowRecord.objects.count() == before
