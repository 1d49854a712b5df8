"""The exact plan by component of the reach graph, K shared by dynamic programming (decision 198).

Places and the sites within their radius form a bipartite graph; without quotas its connected
components are independent but for K. Let ``V_c(k)`` be the most members component ``c`` can
have served with at most ``k`` new sites (its kept ones always open). The best plan is the
share of K maximizing ``sum_c V_c(k_c)``: a dynamic program over the components.

``V_c(k)`` is not computed for every ``k``. Each component has an upper bound for every ``k``
(the members it holds, and its kept sites' capacities plus its ``k`` largest free ones, each
cut to the members within its reach) and a lower bound (the greedy order's first ``k`` sites,
assigned by the exact maximum flow). The program is run on the upper bounds; where the share
it picks meets a lower bound, that value is known; elsewhere that component is solved exactly
at that ``k`` (HiGHS, gap 0) and the program run again. When every component of the share
is known, the share's value equals the upper bound of every share: the optimum, proven.

Ties (cost, then fewer sites) are broken by each component's exact model at its share of K;
a plan of equal coverage with another share of K and a lower cost is not looked for.
Pure: numpy and scipy, no Django.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import connected_components

from liudong.siting.model import INFEASIBLE, OPTIMAL, TIME_LIMIT, Instance, Model, Plan

NONE = -(10**12)  # no plan at this k


@dataclass
class Component:
    inst: Instance  # the component on its own (its places, its sites, their pairs)
    free: int  # free sites: k goes from 0 to min(K, free)
    upper: np.ndarray  # members at most, per k
    lower: np.ndarray  # members a known plan serves, per k (NONE: none known)
    top: np.ndarray = field(default_factory=lambda: np.zeros(1))  # the d largest free capacities
    plans: dict[int, Plan] = field(default_factory=dict)  # the plan behind a lower bound
    exact: set[int] = field(default_factory=set)  # k solved by the exact model
    relaxed: set[int] = field(default_factory=set)  # k bounded by the linear relaxation


def components(inst: Instance) -> list[Instance]:
    """The connected components of the reach graph that hold a place, each as an instance."""
    model = Model(inst, split=False, tie_break=False)
    ns, npts = model.ns, len(inst.points)
    nodes = ns + npts
    graph = sparse.coo_matrix(
        (np.ones(model.npair), (model.sc, ns + model.pi)), shape=(nodes, nodes)
    )
    _n, label = connected_components(graph, directed=False)
    used_points = np.zeros(npts, dtype=bool)
    used_points[model.pi] = True
    site_of = model.site_idx  # model column -> candidate index
    out = []
    site_label, point_label = label[:ns], label[ns:]
    by_label: dict[int, tuple[list[int], list[int]]] = {}
    for s in range(ns):
        by_label.setdefault(int(site_label[s]), ([], []))[0].append(int(site_of[s]))
    for i in np.flatnonzero(used_points):
        by_label.setdefault(int(point_label[i]), ([], []))[1].append(int(i))
    in_model = np.zeros(len(inst.candidates), dtype=bool)
    in_model[site_of] = True
    pair_ok = in_model[inst.pj] if inst.pj.size else np.zeros(0, dtype=bool)
    for sites, points in by_label.values():
        if not points:
            continue  # a kept site with nothing in reach (minimum 0): served by no one
        cand_map = np.full(len(inst.candidates), -1, dtype=np.int64)
        cand_map[sites] = np.arange(len(sites))
        point_map = np.full(npts, -1, dtype=np.int64)
        point_map[points] = np.arange(len(points))
        keep = pair_ok & (cand_map[inst.pj] >= 0) & (point_map[inst.pi] >= 0)
        out.append(
            Instance(
                points=[inst.points[i] for i in points],
                candidates=[inst.candidates[j] for j in sites],
                k=0,
                radius_km=inst.radius_km,
                min_full=inst.min_full,
                quotas=[],
                no_coordinates=[],
                no_coordinates_members=0,
                total_members=0,
                pi=point_map[inst.pi[keep]],
                pj=cand_map[inst.pj[keep]],
                km=inst.km[keep],
            )
        )
    # the kept sites outside every component (nothing in reach) stay chosen
    return out


def _bounds(sub: Instance, k_max: int, greedy_order: Callable) -> Component:
    model = Model(sub, split=True, tie_break=False)
    members = np.array([p.members for p in sub.points], dtype=np.int64)
    reach = np.bincount(model.sc, weights=members[model.pi], minlength=model.ns)
    caps = np.array([sub.candidates[j].capacity for j in model.site_idx], dtype=float)
    usable = np.minimum(caps, reach)
    forced = np.array([sub.candidates[j].forced for j in model.site_idx], dtype=bool)
    free = int((~forced).sum())
    k_top = min(k_max, free)
    top = np.sort(usable[~forced])[::-1][:k_top]
    upper = np.minimum(
        int(members.sum()), np.floor(usable[forced].sum() + np.concatenate([[0], np.cumsum(top)]))
    ).astype(np.int64)
    comp = Component(sub, free, upper, np.full(k_top + 1, NONE, dtype=np.int64))
    comp.top = np.concatenate([[0.0], np.cumsum(top)])
    sub.k = k_top
    opened, picks = greedy_order(sub, model)
    y = opened.astype(float)
    for k in range(k_top + 1):
        if k > 0:
            if k > len(picks):
                comp.lower[k] = comp.lower[k - 1]
                if k - 1 in comp.plans:
                    comp.plans[k] = comp.plans[k - 1]
                continue
            y[picks[k - 1]] = 1.0
        found = model.plan_from_open(y)
        if found is not None:
            chosen, assignments, covered = found
            comp.lower[k] = covered
            comp.plans[k] = Plan(OPTIMAL, "milp", chosen, assignments, covered)
        if comp.lower[k] >= members.sum():  # all its members served: no more from here on
            comp.upper[k:] = comp.lower[k]
            comp.lower[k:] = comp.lower[k]
            for rest in range(k + 1, k_top + 1):
                comp.plans[rest] = comp.plans[k]
            break
    return comp


def _tight(comp: Component) -> tuple[np.ndarray, np.ndarray]:
    """Bounds tightened by what is known at other k. Take the best plan with k' > k new sites
    and shut the k' - k of them that serve the fewest: a plan with k sites remains (the others
    keep their members, so their minimum too), having lost at most the capacities of the
    k' - k largest free sites, and at most (k' - k) / k' of what the free sites serve. Hence
    V(k') <= V(k) + top(k' - k) and V(k') <= V(k) k' / k, for any upper bound of V(k). And
    V(k) <= V(k') (at most k is at most k'); a lower bound at k holds at every k' > k."""
    upper = comp.upper.astype(float)
    n = len(upper)
    for k in range(1, n):
        steps = np.arange(k)  # from each smaller k
        upper[k] = min(upper[k], float(np.min(upper[steps] + comp.top[k - steps])))
        upper[k] = min(upper[k], np.floor(upper[k - 1] * k / (k - 1))) if k > 1 else upper[k]
    upper = np.minimum.accumulate(upper[::-1])[::-1]
    upper = np.floor(upper + 1e-9).astype(np.int64)
    lower = np.maximum.accumulate(comp.lower)
    upper = np.maximum(upper, lower)
    comp.upper = upper.copy()
    return upper, lower


def _relaxation_bound(sub: Instance, seconds: float) -> int:
    """The members served at most, by the linear relaxation of the one-flow model at sub.k."""
    model = Model(sub, split=False, tie_break=False)
    res = milp(
        model.c,
        constraints=LinearConstraint(model.A, model.lb_rows, model.ub_rows),
        integrality=np.zeros(model.nv, dtype=np.uint8),
        bounds=Bounds(model.lb, model.ub),
        options={"disp": False, "time_limit": max(0.1, seconds)},
    )
    if res.status != 0 or res.fun is None:
        return np.iinfo(np.int64).max
    return int(np.floor(-res.fun + 1e-6))


def _share(values: list[np.ndarray], k: int) -> tuple[int, list[int]]:
    """The share of at most k new sites among the components maximizing the sum of values."""
    best = np.full(k + 1, NONE, dtype=np.int64)
    best[0] = 0
    picks = []
    for v in values:
        new = np.full(k + 1, NONE, dtype=np.int64)
        pick = np.zeros(k + 1, dtype=np.int64)
        for t in range(min(k, len(v) - 1) + 1):
            if v[t] <= NONE:
                continue
            cand = np.where(best[: k + 1 - t] > NONE, best[: k + 1 - t] + v[t], NONE)
            better = cand > new[t:]
            new[t:][better] = cand[better]
            pick[t:][better] = t
        best = new
        picks.append(pick)
    at = int(np.argmax(best))
    total = int(best[at])
    share = []
    for pick in reversed(picks):
        t = int(pick[at])
        share.append(t)
        at -= t
    return total, share[::-1]


def solve_by_components(
    inst: Instance,
    *,
    deadline: float,
    exact: Callable[[Instance, float], Plan | None],
    greedy_order: Callable,
) -> tuple[Plan | None, dict]:
    """The proven optimum by components, or None (then the whole model is solved): when time
    runs out, when a component has no plan, or when an exact solve does not prove its own.
    Also what it did (components, exact solves), for the benchmark."""
    stats = {"components": 0, "exact_solves": 0, "nodes": 0, "relaxations": 0, "rounds": 0}
    parts = components(inst)
    stats["components"] = len(parts)
    if len(parts) < 2:
        return None, stats
    comps = [_bounds(sub, inst.k, greedy_order) for sub in parts]
    bounds = [_tight(c) for c in comps]
    while time.perf_counter() < deadline:
        stats["rounds"] += 1
        total, share = _share([u for u, _lo in bounds], inst.k)
        if total <= NONE:
            return None, stats
        # the entry of the share whose value is least known is solved exactly, then again
        gaps = [int(u[t] - lo[t]) for t, (u, lo) in zip(share, bounds, strict=True)]
        worst = int(np.argmax(gaps))
        if gaps[worst] <= 0:
            return _assemble(inst, comps, share, bounds, deadline, exact, stats), stats
        comp, t = comps[worst], share[worst]
        left = deadline - time.perf_counter()
        if left <= 0:
            break
        comp.inst.k = t
        if t not in comp.relaxed:  # first the linear relaxation's bound (cheap), then exact
            comp.relaxed.add(t)
            stats["relaxations"] += 1
            comp.upper[t] = min(comp.upper[t], _relaxation_bound(comp.inst, left))
            bounds[worst] = _tight(comp)
            continue
        plan = exact(comp.inst, left)
        stats["exact_solves"] += 1
        stats["nodes"] += plan.work.get("nodes", 0) if plan is not None else 0
        if plan is not None and plan.status == INFEASIBLE and plan.reason != "solver_failed":
            return None, stats  # no plan at all: the whole model says why
        if plan is None or plan.status != OPTIMAL:
            break  # out of time inside the component
        comp.exact.add(t)
        comp.upper[t] = comp.lower[t] = plan.covered
        comp.plans[t] = plan
        bounds[worst] = _tight(comp)
    return _best_known(inst, comps, bounds), stats


def _best_known(
    inst: Instance, comps: list[Component], bounds: list[tuple[np.ndarray, np.ndarray]]
) -> Plan | None:
    """Out of time: the best share of the plans known, marked, with the gap to the bound."""
    ceiling, _share_u = _share([u for u, _lo in bounds], inst.k)
    total, share = _share([lo for _u, lo in bounds], inst.k)
    if total <= NONE:
        return None
    plan = _combine(inst, comps, share, bounds)
    if plan is None or plan.covered >= ceiling:
        return plan  # proven after all (ties not broken: no time left)
    plan.status = TIME_LIMIT
    plan.reason = "time_limit_best_found"
    plan.bound = max(ceiling, plan.covered)
    plan.gap = (plan.bound - plan.covered) / max(1, plan.covered)
    return plan


def _known_plan(comp: Component, t: int, lower: np.ndarray) -> Plan | None:
    # the best known plan at t may sit at a smaller k (lower bounds carry forward)
    for k in range(t, -1, -1):
        if comp.lower[k] == lower[t] and k in comp.plans:
            return comp.plans[k]
    return None


def _combine(
    inst: Instance,
    comps: list[Component],
    share: list[int],
    bounds: list[tuple[np.ndarray, np.ndarray]],
) -> Plan | None:
    chosen: list[str] = []
    assignments = []
    covered = 0
    for comp, t, (_u, lower) in zip(comps, share, bounds, strict=True):
        plan = _known_plan(comp, t, lower)
        if plan is None:
            return None
        chosen += plan.chosen
        assignments += plan.assignments
        covered += plan.covered
    placed = set(chosen)
    chosen += [c.id for c in inst.candidates if c.forced and c.id not in placed]
    return Plan(OPTIMAL, "milp", chosen, assignments, covered, gap=0.0, bound=covered)


def _assemble(
    inst: Instance,
    comps: list[Component],
    share: list[int],
    bounds: list[tuple[np.ndarray, np.ndarray]],
    deadline: float,
    exact: Callable[[Instance, float], Plan | None],
    stats: dict,
) -> Plan | None:
    chosen: list[str] = []
    assignments = []
    covered = 0
    for comp, t, (_u, lower) in zip(comps, share, bounds, strict=True):
        plan = _known_plan(comp, t, lower)
        if plan is None:
            return None
        if t not in comp.exact and comp.free and time.perf_counter() < deadline:
            # the exact model at this share breaks ties by cost (it covers as many)
            comp.inst.k = t
            polished = exact(comp.inst, deadline - time.perf_counter())
            stats["exact_solves"] += 1
            stats["nodes"] += polished.work.get("nodes", 0) if polished is not None else 0
            if polished is not None and polished.status == OPTIMAL:
                plan = polished
        chosen += plan.chosen
        assignments += plan.assignments
        covered += plan.covered
    # kept sites with nothing in their reach (possible only with a minimum of 0)
    placed = set(chosen)
    chosen += [c.id for c in inst.candidates if c.forced and c.id not in placed]
    return Plan(OPTIMAL, "milp", chosen, assignments, covered, gap=0.0, bound=covered)
