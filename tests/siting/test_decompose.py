"""The exact plan by component of the reach graph, K shared by dynamic programming (decision
198): on instances of several far-apart clusters it is used, finds enumeration's optimum,
keeps every rule, and agrees with the whole model solved at once."""

from __future__ import annotations

import random
import time

import pytest

from liudong.siting import model as M
from liudong.siting import optimizer as opt
from liudong.siting.decompose import components
from tests.siting.test_optimizer import assert_keeps_rules, enumerate_best, pt, site


@pytest.fixture(autouse=True)
def by_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """These instances are small: the whole model would be tried first; here, by parts."""
    monkeypatch.setattr(opt, "WHOLE_FIRST_PAIRS", -1)


def clusters(rng: random.Random, n_clusters: int = 3, size: int = 1) -> tuple[list, list]:
    """Clusters 500 km apart: a few places and sites each, capacities that bind."""
    points, cands = [], []
    for c in range(n_clusters):
        x0 = 500 * c
        for i in range(rng.randint(2, 4) * size):
            m = rng.randint(3, 40)
            points.append(pt(f"p{c}.{i}", x0 + rng.uniform(0, 40), rng.uniform(0, 40), m, m - 1))
        for j in range(rng.randint(2, 3) * size):
            cands.append(
                site(
                    f"c{c}.{j}",
                    x0 + rng.uniform(0, 40),
                    rng.uniform(0, 40),
                    rng.randint(5, 45),
                    cost=rng.randint(0, 5),
                    forced=(j == 0 and c == 0 and rng.random() < 0.4),
                )
            )
    return points, cands


@pytest.mark.parametrize("seed", range(10))
def test_the_share_of_k_finds_the_enumerated_optimum(seed: int) -> None:
    rng = random.Random(seed)
    points, cands = clusters(rng)
    radius = 35
    parts = components(M.prepare(points, cands, 1, radius, 3, []))
    assert len(parts) >= 2  # the instance does split
    for k in (1, 2, 3, 4):
        if k > sum(1 for c in cands if not c.forced):
            continue
        best = enumerate_best(points, cands, k, radius)
        plan = opt.solve(points, cands, k, radius)
        if best is None:
            assert plan.status == opt.INFEASIBLE, (seed, k)
            continue
        assert plan.status == opt.OPTIMAL and plan.covered == best, (seed, k, plan.covered, best)
        assert plan.gap == 0.0 and plan.bound == plan.covered
        assert_keeps_rules(plan, points, cands, k, radius)
        # the whole model, solved at once, agrees
        inst = M.prepare(points, cands, k, radius, 3, [])
        whole = opt._exact(inst, time.perf_counter(), 30, True)
        assert whole.covered == plan.covered


def test_it_is_used_and_says_what_it_did() -> None:
    rng = random.Random(4)
    points, cands = clusters(rng, 4)
    plan = opt.solve(points, cands, 3, 35)
    assert plan.status == opt.OPTIMAL
    assert plan.work["components"] >= 2
    assert plan.work["rounds"] >= 1


def test_quotas_keep_the_whole_model() -> None:
    rng = random.Random(5)
    points, cands = clusters(rng)
    cands = [M.Candidate(c.id, c.lng, c.lat, c.capacity, c.cost, group=c.id[:2]) for c in cands]
    plan = opt.solve(points, cands, 2, 35, quotas=[opt.Quota("c1", minimum=1)])
    assert "components" not in plan.work  # the quota ties the clusters: solved at once
    if plan.status == opt.OPTIMAL:
        assert any(s.startswith("c1") for s in plan.chosen)


def test_a_small_model_is_solved_at_once_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(opt, "WHOLE_FIRST_PAIRS", 10_000)
    rng = random.Random(4)
    points, cands = clusters(rng, 4)
    plan = opt.solve(points, cands, 3, 35)
    assert plan.status == opt.OPTIMAL and "components" not in plan.work
    monkeypatch.setattr(opt, "WHOLE_FIRST_PAIRS", -1)
    assert opt.solve(points, cands, 3, 35).covered == plan.covered


def test_out_of_time_by_parts_gives_the_best_known_marked() -> None:
    rng = random.Random(9)
    points, cands = clusters(rng, 4, size=4)  # one where greedy's bounds prove nothing
    plan = opt.solve(points, cands, 4, 35, time_limit=1e-6)
    assert plan.status == opt.TIME_LIMIT and plan.reason == "time_limit_best_found"
    assert_keeps_rules(plan, points, cands, 4, 35)
    whole = opt._exact(M.prepare(points, cands, 4, 35, 3, []), time.perf_counter(), 60, True)
    assert whole.status == opt.OPTIMAL
    assert plan.covered <= whole.covered <= plan.bound
    assert plan.gap == pytest.approx((plan.bound - plan.covered) / plan.covered)
    # with time, by parts finds the whole model's optimum
    assert opt.solve(points, cands, 4, 35).covered == whole.covered
