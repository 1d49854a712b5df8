"""The gate's "may change" matrix (issue 11, item 3, "Must show"): for every model with a
scope rule, taken from the registry (a new model is tried without being named here), the
gate refuses another county a change, in the object form (``may``) and the query form
(``restrict``), and the query form says the same in its fast form (the sides' foreign keys
against the subtree's ids) as in its path form. For a member's master data (Member,
FlowRecord) the station side is refused too, while it still records contacts, takes the
member in, hands work over, answers hand-offs and confirms or refuses check-ins. The pages,
the API and the admin ask the gate for changes.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.apps import apps
from django.db.models import Model
from django.urls import reverse
from rest_framework.test import APIClient

from liudong.core.errors import PermissionDenied, ScopeError
from liudong.core.scope import (
    CHANGE,
    VIEW,
    ScopeKind,
    fast_lookup,
    may,
    path_form,
    restrict,
    rule_for,
    scope_of,
    side_path,
)
from liudong.members import actions as ledger
from liudong.members.models import FlowRecord, Handoff, Member
from liudong.orgs.models import Organization
from tests.core.test_scope_change import _keeper
from tests.members.helpers import make_flow, make_member

SCOPED = [
    model
    for model in apps.get_models()
    if model.__module__.startswith("liudong.") and not rule_for(model).public
]
CHANGED_BY_A_SIDE = [model for model in SCOPED if rule_for(model).change]


def _tree_lookups(model: type[Model]) -> list[str]:
    """The lookups by which the model's rule reaches the tree (view and change sides)."""
    rule = rule_for(model)
    lookups = [*rule.paths]
    for side in rule.change or ():
        lookups += list(getattr(side, "lookups", (side,)))
    return lookups


# Models whose every side goes through a foreign key; the others (the tree itself, the audit
# trail) hold the path in a column of their own, which the fast form leaves as it is.
THROUGH_A_KEY = [
    model
    for model in SCOPED
    if _tree_lookups(model) and all(fast_lookup(model, lookup) for lookup in _tree_lookups(model))
]
ROWS_TRIED = 400
YANTA_BRANCH = "平凉市驻西安雁塔区流动党员联络站党支部"  # run by 泾川 (demo tree)


def _label(model: type[Model]) -> str:
    return model._meta.label


def _fresh(user: Any) -> Any:
    """The same user as a new object (no scope or subtree ids kept from an earlier call)."""
    return type(user)._default_manager.select_related("organization").get(pk=user.pk)


def _counties() -> list[Any]:
    from liudong.accounts.models import Role, User

    found = list(User.objects.filter(role=Role.COUNTY_ADMIN, is_active=True).order_by("pk"))
    assert len(found) >= 2
    return found


def _staff_sample() -> list[Any]:
    """Two counties (one runs stations elsewhere), and one user of every other subtree role
    (township, branch, station staff)."""
    from liudong.accounts.models import Role, User

    users = [User.objects.get(username=name) for name in ("jingchuan", "lingtai")]
    roles = {Role.COUNTY_ADMIN}
    for user in User.objects.filter(is_active=True, organization__isnull=False).order_by("pk"):
        if user.role not in roles and scope_of(user).kind == ScopeKind.SUBTREE:
            roles.add(user.role)
            users.append(user)
    return users


def _ids(user: Any, model: type[Model], action: str) -> set[Any]:
    return set(
        restrict(_fresh(user), model._default_manager.all(), action).values_list("pk", flat=True)
    )


def _both_forms(user: Any, model: type[Model], action: str) -> set[Any]:
    """The rows by the fast form, checked against the path form."""
    fast = _ids(user, model, action)
    with path_form():
        slow = _ids(user, model, action)
    assert fast == slow, (model._meta.label, user.username, action, fast ^ slow)
    return fast


@pytest.mark.parametrize("model", SCOPED, ids=_label)
def test_the_fast_form_says_what_the_path_form_says(demo: Any, model: type[Model]) -> None:
    rule = rule_for(model)
    actions = [VIEW] + ([CHANGE] if rule.change is not None else []) + list(rule.acts)
    seen = 0
    for user in _staff_sample():
        for action in actions:
            seen += len(_both_forms(user, model, action))
    if model._default_manager.exists():
        assert seen, f"no staff user sees any {model._meta.label} row: the test tries nothing"


@pytest.mark.parametrize("model", THROUGH_A_KEY, ids=_label)
def test_sides_through_a_foreign_key_are_id_lists_not_joins(demo: Any, model: type[Model]) -> None:
    """The gate's own fast form: a side reached through a foreign key is that key's column
    against the subtree's ids, so no join to the tree is needed for it."""
    county = _fresh(_counties()[0])
    rule = rule_for(model)
    tree = Organization._meta.db_table
    for action in [VIEW] + ([CHANGE] if rule.change else []):
        sql = str(restrict(county, model._default_manager.order_by(), action).query)
        assert f'JOIN "{tree}"' not in sql and "LIKE" not in sql.upper(), (action, sql)
    with path_form():
        sql = str(restrict(county, model._default_manager.order_by(), VIEW).query)
    assert "LIKE" in sql.upper() or "GLOB" in sql.upper(), sql


@pytest.mark.parametrize("model", CHANGED_BY_A_SIDE, ids=_label)
def test_another_county_may_not_change_in_either_form(demo: Any, model: type[Model]) -> None:
    keeper, counties = _keeper(model), _counties()
    for row in model._default_manager.order_by("-pk")[:ROWS_TRIED]:
        kept_at = side_path(row, keeper)
        home = next((u for u in counties if scope_of(u).covers_path(kept_at)), None)
        if home is None:
            continue
        paths = [p for p in (side_path(row, lookup) for lookup in rule_for(model).paths) if p]
        other = next(
            (u for u in counties if not any(scope_of(u).covers_path(p) for p in paths)), None
        )
        if other is None:
            continue
        assert may(home, row, CHANGE) and row.pk in _both_forms(home, model, CHANGE)
        assert not may(other, row, CHANGE)
        assert row.pk not in _both_forms(other, model, CHANGE)
        return
    pytest.fail(
        f"no {model._meta.label} row in the demo is kept by one county and not seen by another"
    )


def test_a_new_organization_in_the_subtree_is_seen_by_the_same_user_object(demo: Any) -> None:
    """The subtree's ids are kept on the user object; a change of the tree renews them."""
    from liudong.orgs import actions as orgs

    lingtai = demo("user:lingtai")
    before = restrict(lingtai, Member.objects.all()).count()  # reads and keeps the ids
    branch = orgs.create_organization(
        by=lingtai, parent=demo("620822001"), code="620822001-NEW", name="新支部", kind="branch"
    )
    member = make_member(lingtai, branch, name="孙新", phone="13912340021")
    assert restrict(lingtai, Member.objects.all()).count() == before + 1
    assert restrict(lingtai, Member.objects.filter(pk=member.pk), CHANGE).exists()


# --- master data: the station side sees and acts, the home side changes ----------------------


@pytest.fixture
def visitor(demo: Any) -> FlowRecord:
    """A 灵台 member whose open record is managed at 泾川's 雁塔 station."""
    lingtai = demo("user:lingtai")
    branch = demo("620822001").children.order_by("code").first()
    member = make_member(lingtai, branch, name="周红梅", sex="2", phone="13912340031")
    yanta = Organization.objects.get(name=YANTA_BRANCH)
    flow = make_flow(lingtai, member, inflow_organization=yanta)
    return ledger.check_in(by=lingtai, flow=flow)


def test_master_data_refuses_the_station_side_which_still_acts(
    demo: Any, visitor: FlowRecord
) -> None:
    station, home = demo("user:jingchuan"), demo("user:lingtai")
    for model, row in ((Member, visitor.member), (FlowRecord, visitor)):
        assert may(station, row, VIEW) and row.pk in _both_forms(station, model, VIEW)
        assert not may(station, row, CHANGE)
        assert row.pk not in _both_forms(station, model, CHANGE)
        assert may(home, row, CHANGE) and row.pk in _both_forms(home, model, CHANGE)
    for act in ("contact", "check_in", "handoff"):
        assert may(station, visitor, act) and visitor.pk in _both_forms(station, FlowRecord, act)
    with pytest.raises(PermissionDenied):
        ledger.update_member(by=station, member=visitor.member, name="周红")
    ledger.log_contact(by=station, flow=visitor, method="visit", on=datetime.date.today())
    asked = ledger.raise_handoff(by=home, flow=visitor, kind="visit", message="请走访")
    assert may(station, asked, "answer") and not may(home, asked, "answer")
    assert asked.pk in _both_forms(station, Handoff, "answer")
    ledger.complete_handoff(by=station, handoff=asked, response="已走访")


def test_a_check_in_is_answered_by_the_station_not_the_home_side(demo: Any) -> None:
    from liudong.stations import actions as stations
    from liudong.stations.models import CheckIn, CheckInStatus

    pending = (
        CheckIn.objects.filter(status=CheckInStatus.PENDING, flow__home_organization__isnull=False)
        .select_related("station__branch", "station__organization", "flow__home_organization")
        .order_by("pk")
    )
    counties = _counties()
    for check_in in pending:
        home = next(
            (u for u in counties if scope_of(u).covers_path(check_in.flow.home_organization.path)),
            None,
        )
        runner = next(
            (u for u in counties if scope_of(u).covers_path(check_in.station.branch.path)), None
        )
        if home is None or runner is None or home == runner:
            continue
        assert may(home, check_in, VIEW) and not may(home, check_in, CHANGE)
        assert check_in.pk not in _both_forms(home, CheckIn, CHANGE)
        assert may(runner, check_in, CHANGE) and check_in.pk in _both_forms(runner, CheckIn, CHANGE)
        with pytest.raises((PermissionDenied, ScopeError)):  # the station is not theirs
            stations.refuse_check_in(by=home, check_in=check_in, reason="不是本站")
        answered = stations.refuse_check_in(by=runner, check_in=check_in, reason="人不在本站")
        assert answered.status == CheckInStatus.REFUSED
        return
    pytest.fail("the demo has no pending check-in at a station another county runs")


# --- pages, the API and the admin ask the gate -----------------------------------------------


def _api(user: Any) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_pages_api_and_admin_refuse_changes_the_gate_refuses(
    demo: Any, visitor: FlowRecord, login: Any
) -> None:
    member = visitor.member
    sides = (visitor.home_organization.path, visitor.inflow_organization.path)
    outsider = next(u for u in _counties() if not any(scope_of(u).covers_path(p) for p in sides))
    # Another county: out of sight, so not found, everywhere.
    client = login(outsider.username)
    assert client.get(reverse("members:member_edit", args=[member.pk])).status_code == 404
    response = _api(outsider).patch(
        f"/api/v1/members/{member.pk}/", {"name": "改名"}, format="json"
    )
    assert response.status_code == 404
    admin_change = f"/admin/members/member/{member.pk}/change/"
    assert client.get(admin_change).status_code in {302, 404}
    # The station side: seen, but the change is refused (403), in the admin too.
    station = login("jingchuan")
    assert station.get(admin_change).status_code == 200  # read-only view
    posted = station.post(admin_change, {"name": "改名"})
    assert posted.status_code == 403
    member.refresh_from_db()
    assert member.name == "周红梅"
