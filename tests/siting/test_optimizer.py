"""The siting optimizer on small hand-made instances whose optimum enumeration knows (issue 15)."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from scipy.optimize import linprog

from liudong.siting import optimizer as opt
from liudong.siting.optimizer import Candidate, DemandPoint, Quota

# about 0.009 degrees of latitude per km
KM = 1 / 111.2


def pt(pid: str, x_km: float, y_km: float, members: int, full: int, group: str = "") -> DemandPoint:
    return DemandPoint(pid, 103.8 + x_km * KM, 36.0 + y_km * KM, members, full, group)


def site(
    sid: str, x_km: float, y_km: float, cap: int, cost: float = 0, forced=False, group=""
) -> Candidate:
    return Candidate(
        sid,
        103.8 + x_km * KM,
        36.0 + y_km * KM,
        cap,
        cost,
        existing=forced,
        forced=forced,
        group=group,
    )


def best_for_set(points, chosen, radius, min_full):
    """Members covered at best by a fixed set of sites: a linear program written out densely
    (its optimum is whole: a flow with lower bounds), or None when the set cannot keep the rules."""
    if not chosen:
        return 0
    pairs = [
        (i, j)
        for i, p in enumerate(points)
        for j, c in enumerate(chosen)
        if opt.great_circle_km(p.lng, p.lat, c.lng, c.lat) <= radius
    ]
    if not pairs:
        return None if min_full > 0 else 0
    n = len(pairs)
    # variables: f (full) then p (probationary) per pair
    a_ub, b_ub = [], []
    for i, p in enumerate(points):
        row = [1 if pi == i else 0 for pi, _ in pairs] + [0] * n
        a_ub.append(row)
        b_ub.append(p.full_members)
        row = [0] * n + [1 if pi == i else 0 for pi, _ in pairs]
        a_ub.append(row)
        b_ub.append(p.members - p.full_members)
    for j, c in enumerate(chosen):
        row = [1 if pj == j else 0 for _, pj in pairs] * 2
        a_ub.append(row)
        b_ub.append(c.capacity)
        row = [-1 if pj == j else 0 for _, pj in pairs] + [0] * n
        a_ub.append(row)
        b_ub.append(-min_full)
    res = linprog(
        -np.ones(2 * n), A_ub=np.array(a_ub, float), b_ub=np.array(b_ub, float), method="highs"
    )
    if res.status != 0:
        return None
    return round(-res.fun)


def enumerate_best(points, cands, k, radius, quotas=(), min_full=3):
    forced = [c for c in cands if c.forced]
    free = [c for c in cands if not c.forced]
    best = None
    for size in range(k + 1):
        for combo in itertools.combinations(free, size):
            chosen = forced + list(combo)
            if any(
                not (
                    q.minimum
                    <= sum(1 for c in chosen if c.group == q.group)
                    <= (q.maximum or 10**9)
                )
                for q in quotas
            ):
                continue
            value = best_for_set(points, chosen, radius, min_full)
            if value is not None and (best is None or value > best):
                best = value
    return best


def assert_keeps_rules(plan, points, cands, k, radius, quotas=(), min_full=3):
    assert opt.check_plan(plan, points, cands, k, radius, quotas=quotas, min_full=min_full) == []


def test_hand_made_two_clusters() -> None:
    # West: 40 members around (0,0); east: 25 around (100, 0); a site between reaches neither.
    points = [pt("w1", 0, 0, 30, 20), pt("w2", 5, 5, 10, 6), pt("e1", 100, 0, 25, 10)]
    cands = [site("W", 2, 2, 35), site("E", 98, 0, 100), site("M", 50, 0, 1000)]
    plan = opt.solve(points, cands, k=1, radius_km=30)
    # one site: W covers min(40, 35) = 35, E covers 25
    assert plan.status == opt.OPTIMAL and plan.chosen == ["W"] and plan.covered == 35
    plan2 = opt.solve(points, cands, k=2, radius_km=30)
    assert sorted(plan2.chosen) == ["E", "W"] and plan2.covered == 60
    assert plan2.gap == 0
    for p in (plan, plan2):
        assert_keeps_rules(p, points, cands, 2, 30)


def test_the_minimum_of_full_members_keeps_a_site_shut() -> None:
    # Site B is near 50 probationary members but only 2 full ones: it may not open.
    points = [pt("a", 0, 0, 12, 12), pt("b", 200, 0, 50, 2)]
    cands = [site("A", 0, 0, 100), site("B", 200, 0, 100)]
    plan = opt.solve(points, cands, k=2, radius_km=10)
    assert plan.chosen == ["A"] and plan.covered == 12
    lax = opt.solve(points, cands, k=2, radius_km=10, min_full=2)
    assert sorted(lax.chosen) == ["A", "B"] and lax.covered == 62


def test_a_point_split_between_two_sites_by_capacity() -> None:
    points = [pt("big", 0, 0, 100, 60)]
    cands = [site("S1", 1, 0, 40), site("S2", -1, 0, 50), site("S3", 0, 1, 30)]
    plan = opt.solve(points, cands, k=2, radius_km=5)
    assert sorted(plan.chosen) == ["S1", "S2"] and plan.covered == 90
    assert {a.site: a.members for a in plan.assignments} == {"S1": 40, "S2": 50}
    assert all(a.full_members >= 3 for a in plan.assignments)


def test_cost_breaks_ties() -> None:
    points = [pt("a", 0, 0, 20, 10)]
    cands = [site("dear", 0, 1, 50, cost=9), site("cheap", 1, 0, 50, cost=2)]
    assert opt.solve(points, cands, k=1, radius_km=5).chosen == ["cheap"]


def random_instance(rng: random.Random, n_points=8, n_cands=6, groups=False):
    points = []
    for i in range(n_points):
        m = rng.randint(1, 30)
        f = rng.randint(0, m)
        points.append(pt(f"p{i}", rng.uniform(0, 120), rng.uniform(0, 120), m, f, "g"))
    cands = []
    for j in range(n_cands):
        cands.append(
            site(
                f"c{j}",
                rng.uniform(0, 120),
                rng.uniform(0, 120),
                rng.randint(2, 40),
                cost=rng.randint(0, 5),
                forced=(j == 0 and rng.random() < 0.3),
                group=("G1" if j % 2 else "G2") if groups else "",
            )
        )
    return points, cands


@pytest.mark.parametrize("seed", range(12))
def test_milp_finds_the_enumerated_optimum_and_greedy_is_never_better(seed: int) -> None:
    rng = random.Random(seed)
    points, cands = random_instance(rng)
    radius = rng.choice([25, 40, 60])
    for k in (1, 2, 3):
        best = enumerate_best(points, cands, k, radius)
        plan = opt.solve(points, cands, k, radius)
        if best is None:
            assert plan.status == opt.INFEASIBLE, (seed, k)
            continue
        assert plan.status == opt.OPTIMAL, (seed, k, plan.reason)
        assert plan.covered == best, (seed, k)
        assert_keeps_rules(plan, points, cands, k, radius)
        base = opt.greedy(points, cands, k, radius)
        if base.status != opt.INFEASIBLE:
            assert base.covered <= plan.covered
            assert_keeps_rules(base, points, cands, k, radius)


@pytest.mark.parametrize("seed", range(6))
def test_quotas_hold_and_the_optimum_under_them(seed: int) -> None:
    rng = random.Random(100 + seed)
    points, cands = random_instance(rng, groups=True)
    cands = [
        Candidate(c.id, c.lng, c.lat, c.capacity, c.cost, False, False, c.group) for c in cands
    ]
    radius = 60
    quotas = [Quota("G1", minimum=1, maximum=1), Quota("G2", minimum=1)]
    k = 3
    best = enumerate_best(points, cands, k, radius, quotas)
    plan = opt.solve(points, cands, k, radius, quotas=quotas)
    if best is None:
        assert plan.status == opt.INFEASIBLE
        return
    assert plan.covered == best
    assert_keeps_rules(plan, points, cands, k, radius, quotas)
    base = opt.greedy(points, cands, k, radius, quotas=quotas)
    if base.status != opt.INFEASIBLE:
        assert base.covered <= plan.covered
        assert_keeps_rules(base, points, cands, k, radius, quotas)


def test_forced_sites_are_kept_and_not_counted_in_k() -> None:
    points = [pt("a", 0, 0, 10, 10), pt("b", 100, 0, 30, 30)]
    cands = [site("old", 0, 0, 50, forced=True), site("new", 100, 0, 50), site("x", 50, 50, 50)]
    plan = opt.solve(points, cands, k=1, radius_km=10)
    assert sorted(plan.chosen) == ["new", "old"] and plan.covered == 40


def test_bad_input() -> None:
    points = [pt("a", 0, 0, 10, 10)]
    with pytest.raises(opt.SitingInputError) as e:
        opt.solve(points, [], k=1, radius_km=10)
    assert e.value.code == "no_candidates"
    with pytest.raises(opt.SitingInputError) as e:
        opt.solve(points, [site("A", 0, 0, 5)], k=2, radius_km=10)
    assert e.value.code == "k_too_large" and e.value.params == {"k": 2, "candidates": 1}
    for radius in (0, -5):
        with pytest.raises(opt.SitingInputError) as e:
            opt.greedy(points, [site("A", 0, 0, 5)], k=1, radius_km=radius)
        assert e.value.code == "bad_radius"
    with pytest.raises(opt.SitingInputError) as e:
        opt.solve([pt("a", 0, 0, 2, 3)], [site("A", 0, 0, 5)], k=1, radius_km=10)
    assert e.value.code == "bad_point"


def test_infeasible_capacities_say_why() -> None:
    points = [pt("a", 0, 0, 10, 10)]
    plan = opt.solve(points, [site("old", 0, 0, 2, forced=True)], k=0, radius_km=10)
    assert plan.status == opt.INFEASIBLE and plan.reason == "forced_capacity_below_minimum"
    assert plan.reason_params == {"site": "old", "capacity": 2, "minimum": 3}
    plan = opt.solve(
        [pt("a", 0, 0, 10, 2)], [site("old", 0, 0, 20, forced=True)], k=0, radius_km=10
    )
    assert plan.reason == "forced_too_few_full_members" and plan.reason_params["full_members"] == 2
    # two kept stations sharing 4 full members cannot each have 3: only the solver can tell
    plan = opt.solve(
        [pt("a", 0, 0, 10, 4)],
        [site("o1", 0, 1, 20, forced=True), site("o2", 1, 0, 20, forced=True)],
        0,
        10,
    )
    assert plan.status == opt.INFEASIBLE and plan.reason == "no_feasible_plan"
    quotas = [Quota("G", minimum=2)]
    plan = opt.solve(
        points,
        [site("A", 0, 0, 20, group="G"), site("B", 90, 0, 20, group="G")],
        2,
        10,
        quotas=quotas,
    )
    assert plan.reason == "quota_too_few_candidates"
    plan = opt.solve(
        points,
        [site("A", 0, 0, 20, group="G"), site("B", 1, 0, 20, group="G")],
        1,
        10,
        quotas=quotas,
    )
    assert plan.reason == "quotas_above_k"


def test_points_without_coordinates_are_counted_and_listed() -> None:
    points = [
        pt("a", 0, 0, 10, 10),
        DemandPoint("nowhere", None, None, 7, 3),
        DemandPoint("x", 1.0, None, 2, 2),
    ]
    plan = opt.solve(points, [site("A", 0, 0, 50)], k=1, radius_km=10)
    assert plan.covered == 10 and plan.total_members == 19
    assert sorted(plan.no_coordinates) == ["nowhere", "x"] and plan.no_coordinates_members == 9
    assert plan.uncovered_by_point([p for p in points if p.lat is not None]) == {}


def test_a_time_out_returns_the_best_found_marked(monkeypatch) -> None:
    rng = random.Random(7)
    points, cands = random_instance(rng, n_points=30, n_cands=12)
    cands = [Candidate(c.id, c.lng, c.lat, c.capacity, c.cost) for c in cands]
    real = opt.milp

    def timed_out(*args, **kwargs):
        result = real(*args, **kwargs)
        if np.any(kwargs.get("integrality", 0)):
            result.status = 1
            result.x = None
        return result

    monkeypatch.setattr(opt, "milp", timed_out)
    # the whole model's time-out (by components: tests/siting/test_decompose.py)
    monkeypatch.setattr(opt, "solve_by_components", lambda *a, **k: (None, {}))
    plan = opt.solve(points, cands, k=3, radius_km=50, time_limit=1)
    assert (
        plan.status == opt.TIME_LIMIT
        and plan.method == "greedy"
        and plan.reason == "time_limit_greedy"
    )
    assert_keeps_rules(plan, points, cands, 3, 50)
    # the gap is the returned plan's against the solver's bound
    assert plan.bound is not None and plan.bound >= plan.covered
    assert plan.bound <= sum(p.members for p in points)  # never above the members there are
    assert plan.gap == pytest.approx((plan.bound - plan.covered) / plan.covered)


def test_a_real_time_limit_still_returns_a_plan_that_keeps_the_rules() -> None:
    rng = random.Random(3)
    points = [
        DemandPoint(
            f"p{i}", 100 + rng.uniform(0, 10), 30 + rng.uniform(0, 10), rng.randint(3, 60), 3
        )
        for i in range(400)
    ]
    cands = [
        Candidate(
            f"c{j}",
            100 + rng.uniform(0, 10),
            30 + rng.uniform(0, 10),
            rng.randint(200, 1000),
            rng.random(),
        )
        for j in range(300)
    ]
    plan = opt.solve(points, cands, k=20, radius_km=40, time_limit=0.05)
    assert plan.status in (opt.OPTIMAL, opt.TIME_LIMIT)
    assert_keeps_rules(plan, points, cands, 20, 40)


@pytest.mark.parametrize("seed", range(10))
def test_the_max_flow_assignment_equals_the_linear_programs(seed: int) -> None:
    """Decision 164: for random sets of open sites the max-flow assignment covers exactly what the
    linear program does, says "no assignment" exactly when it does, and keeps every rule."""
    from liudong.siting.model import Model, prepare

    rng = random.Random(500 + seed)
    points, cands = random_instance(rng)
    radius = rng.choice([25, 40, 60])
    min_full = rng.choice([0, 1, 3, 5])
    free = sum(1 for c in cands if not c.forced)
    inst = prepare(points, cands, free, radius, min_full, [])  # K no bound here
    model = Model(inst, split=True, tie_break=False)
    for _ in range(8):
        drawn = np.array([rng.random() < 0.5 for _ in range(model.ns)], dtype=bool)
        y = (drawn | (model.lb[: model.ns] > 0)).astype(float)
        by_flow = model.plan_from_open(y)
        by_lp = model.plan_from_open(y, by_flow=False)
        assert (by_flow is None) == (by_lp is None), seed
        if by_flow is None:
            continue
        chosen, assignments, covered = by_flow
        assert covered == by_lp[2], seed
        plan = opt.Plan(
            status=opt.OPTIMAL,
            method="milp",
            chosen=chosen,
            assignments=assignments,
            covered=covered,
        )
        assert opt.check_plan(plan, points, cands, len(cands), radius, min_full=min_full) == []
