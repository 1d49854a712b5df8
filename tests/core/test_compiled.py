"""Compiled gated reads kept per process (liudong.core.compiled): one scope's SQL never
answers another's, and the rows are the ORM's."""

from __future__ import annotations

from typing import Any

from liudong.analytics import figures
from liudong.core import compiled
from liudong.core.scope import gate_key, visible_to
from liudong.orgs.models import Organization
from liudong.stations.models import Station


def _stations(user: Any) -> list[tuple[Any, ...]]:
    return compiled.rows(
        ("test.stations", gate_key(user)),
        lambda: visible_to(user, Station.objects.order_by("code")).values_list("code", "kind"),
    )


def test_gate_key_tells_scopes_apart(demo: Any) -> None:
    jingchuan, lingtai, city = (demo(f"user:{n}") for n in ("jingchuan", "lingtai", "city"))
    member = demo("user:member_jc")
    keys = {gate_key(u) for u in (jingchuan, lingtai, city, member)}
    assert len(keys) == 4
    assert gate_key(jingchuan) == gate_key(demo("user:jingchuan"))  # the same scope: shared
    assert member.pk in gate_key(member)  # the self scope names its user


def test_two_counties_never_share_a_compiled_read(demo: Any) -> None:
    jingchuan, lingtai = demo("user:jingchuan"), demo("user:lingtai")
    compiled.clear()
    for _round in range(2):  # cold, then with both statements kept
        for user in (jingchuan, lingtai):
            expected = list(
                visible_to(user, Station.objects.order_by("code")).values_list("code", "kind")
            )
            assert _stations(user) == expected
    assert _stations(jingchuan) != _stations(lingtai)
    assert {code for code, _kind in _stations(jingchuan)}.isdisjoint(
        {code for code, _kind in _stations(lingtai)}
    )


def test_rows_are_converted_as_the_orm_gives_them(demo: Any) -> None:
    """SQLite returns booleans as integers: the converters the ORM applies are kept."""
    compiled.clear()
    build = lambda: Organization.objects.order_by("pk").values_list("pk", "active", "path")  # noqa: E731
    for _round in range(2):
        found = compiled.rows(("test.organizations",), build)
        assert found == list(build())
        assert all(isinstance(active, bool) for _pk, active, _path in found)


def test_a_scope_that_sees_nothing_reads_nothing(demo: Any) -> None:
    user = demo("user:jingchuan")
    user.organization_id = None  # no organization: the gate's empty condition
    user._liudong_scope = None
    assert _stations(user) == []


def test_a_county_dashboard_is_the_same_after_others_kept_their_reads(demo: Any) -> None:
    jingchuan, lingtai, city = (demo(f"user:{n}") for n in ("jingchuan", "lingtai", "city"))
    county = demo("620821")
    compiled.clear()
    cold = figures.dashboard(jingchuan, county).as_dict()
    compiled.clear()
    figures.dashboard(city, figures.root_organization()).as_dict()
    figures.dashboard(lingtai, demo("620822")).as_dict()
    figures.dashboard(city, county).as_dict()  # the same county, another scope
    warm = figures.dashboard(jingchuan, county).as_dict()
    assert warm == cold
    assert [s["branch"] for s in warm["stations"]["list"]] == ["620800-LD05"]


# --- reads that depend on the time: compiled once, read at each call's time -----------------


def _organizations_created_before(moment: Any) -> Any:
    return Organization.objects.filter(created_at__lt=moment).order_by("pk").values_list("pk")


def test_a_read_of_the_time_is_compiled_once_and_read_at_each_calls_time(demo: Any) -> None:
    import datetime

    from django.utils import timezone

    compiled.clear()
    created = sorted(Organization.objects.values_list("created_at", flat=True))
    built = []

    def build() -> Any:
        built.append(1)
        return _organizations_created_before(compiled.clock() + datetime.timedelta(seconds=1))

    tick = datetime.timedelta(seconds=1)
    moments = [created[0] - datetime.timedelta(days=1), created[len(created) // 2], timezone.now()]
    for moment in moments:
        found = compiled.rows(("test.created_before",), build, now=moment)
        assert found == list(_organizations_created_before(moment + tick)), moment
    assert len(built) == 2  # the first call compiles it twice (the check), then never again
    assert compiled.rows(("test.created_before",), build, now=moments[0]) == []


def test_a_read_of_the_time_without_the_time_is_refused(demo: Any) -> None:
    import pytest

    compiled.clear()
    build = lambda: _organizations_created_before(compiled.clock())  # noqa: E731
    with pytest.raises(ValueError, match="now="):
        compiled.rows(("test.no_time",), build)


def test_a_time_derived_otherwise_than_by_a_timedelta_is_refused(demo: Any) -> None:
    """The start of the clock's day would be frozen into the statement: refused."""
    import pytest
    from django.utils import timezone

    compiled.clear()

    def build() -> Any:
        midnight = compiled.clock().replace(hour=0, minute=0, second=0, microsecond=0)
        return Organization.objects.filter(
            created_at__gte=midnight, created_at__lt=compiled.clock()
        ).values_list("pk")

    with pytest.raises(ValueError, match="timedelta"):
        compiled.rows(("test.midnight",), build, now=timezone.now())
