"""The check-in rules once (decision 89): each rule's SQL condition, which the
one-statement check-in inserts under, agrees with its Python on every combination of facts,
and their conjunction is exactly "``_decide`` makes a new check-in"."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.db import connection

from liudong.core.errors import DomainError
from liudong.stations.actions import checkin, checkin_sql
from liudong.stations.models import CheckIn, CheckInStatus, StationStatus

STATION, OTHER_STATION = 5, 6


def _type(annotation: str) -> str:
    for name, sql_type in (("int", "integer"), ("float", "double precision")):
        if annotation.startswith(name):
            return sql_type
    return "varchar(200)"


def _holds(condition: str, params: list[Any], facts: checkin_sql.Facts) -> Any:
    """``condition`` evaluated by the database over a row of ``facts`` (typed as read)."""
    columns = ", ".join(
        f"CAST(%s AS {_type(str(annotation))}) AS {name}"
        for name, annotation in checkin_sql.Facts.__annotations__.items()
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {condition} FROM (SELECT {columns}) r", [*params, *facts])
        (value,) = cursor.fetchone()
    return value


def _every_facts(demo: Any) -> list[checkin_sql.Facts]:
    branch, other = demo("620821").pk, demo("620822").pk
    blank = checkin_sql.Facts(**dict.fromkeys(checkin_sql.Facts._fields))
    combos = []
    for member, station_status, flow_status, active, inflow, keyed in itertools.product(
        (None, 1),
        (None, *StationStatus.values),  # None: no such station
        (None, "registered", "managed", "lost"),  # None: no open record
        (None, (STATION, "pending"), (OTHER_STATION, "pending"), (OTHER_STATION, "confirmed")),
        (None, branch, other),
        (None, 77),  # 77: the member's check-in made with the same idempotency key
    ):
        combos.append(
            blank._replace(
                user_id=1, username="u", member_id=member,
                station_id=STATION if station_status else None, station_status=station_status,
                station_branch_id=branch, station_name="s",
                flow_id=3 if flow_status else None, flow_status=flow_status,
                home_organization_id=other, inflow_organization_id=inflow,
                active_id=9 if active else None,
                active_station_id=active[0] if active else None,
                active_status=active[1] if active else None,
                active_station_name="elsewhere" if active else None,
                keyed_id=keyed if member else None,
            )
        )  # fmt: skip
    return combos


def _creates(facts: checkin_sql.Facts) -> bool:
    try:
        return checkin._decide(facts, "api", None, None)[1]
    except (DomainError, CheckIn.DoesNotExist):  # no check-in 77: the replay reads it
        return False


def test_each_rules_sql_agrees_with_its_python(demo: Any) -> None:
    combos = _every_facts(demo)
    assert len(combos) == 2 * (1 + len(StationStatus.values)) * 4 * 4 * 3 * 2
    for rule in checkin.RULES:
        for facts in combos:
            in_sql = _holds(rule.sql, list(rule.params), facts)
            assert in_sql in (True, False, 0, 1), (rule.code, facts, in_sql)  # never NULL
            assert bool(in_sql) == rule.passes(facts), (rule.code, facts)


def test_the_sql_may_insert_exactly_when_decide_makes_a_check_in(demo: Any) -> None:
    condition, params = checkin.may_insert_sql()
    combos = _every_facts(demo)
    created = [facts for facts in combos if _creates(facts)]
    assert created  # and refused or the active one otherwise
    for facts in combos:
        assert bool(_holds(condition, params, facts)) == _creates(facts), facts


def test_every_refusal_code_is_a_rules(demo: Any) -> None:
    """The refusals ``_decide`` raises over every combination are the rules' (no rule
    outside the table)."""
    codes = set()
    for facts in _every_facts(demo):
        try:
            checkin._decide(facts, "api", None, None)
        except DomainError as error:
            codes.add(error.code)
        except CheckIn.DoesNotExist:
            assert facts.keyed_id is not None  # the replay is asked first
    assert codes == {
        "not_in_ledger", "station_not_open", "no_open_flow", "pending_elsewhere",
        "checked_in_elsewhere", "already_attached", "managed_elsewhere",
    }  # fmt: skip
    assert CheckInStatus.PENDING == "pending"


@pytest.mark.parametrize("rule", [rule.code for rule in checkin.RULES])
def test_no_rule_passes_every_combination(demo: Any, rule: str) -> None:
    """Each rule refuses something (a rule whose SQL were ``TRUE`` would show here)."""
    (found,) = [r for r in checkin.RULES if r.code == rule]
    assert not all(found.passes(facts) for facts in _every_facts(demo))
