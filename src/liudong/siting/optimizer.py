"""Where to open stations: an exact maximum-coverage model with capacities, and a greedy baseline.

A pure module (numpy and scipy, no Django), reused by the plan page, the command line and
``benchmarks/siting.py`` (issue 15, item 7; decisions 148-150).

The model. Demand points are places with members (``members``, of whom ``full_members`` are
full, not probationary, members); candidates are host sites with a capacity. A member is
*covered* when assigned to a chosen site within ``radius_km`` (great-circle). Choose at most
``k`` sites besides the forced ones (kept stations) to maximize the members covered, subject
to

* capacity: the members assigned to a site are at most its capacity;
* the minimum: a chosen site is assigned at least ``min_full`` full members (its branch
  needs three full members, not probationary ones);
* quotas: for a group of candidates (e.g. the county that would run them), at least / at
  most so many chosen.

Variables: ``y_j`` binary per candidate that can be chosen; per point-site pair *within the
radius only* (a sparse model: places with no site in reach and sites with nothing in reach
never enter it) two continuous flows, ``f_ij`` full and ``p_ij`` probationary members of
point ``i`` served by site ``j``. A point's members may be split across sites (partial
assignment). Rows: per point, ``sum_j f_ij <= full_i`` and ``sum_j p_ij <= prob_i``; per
site, ``sum_i f_ij + p_ij <= cap_j y_j`` and ``sum_i f_ij >= min_full y_j``; per pair the
linking row ``f_ij + p_ij <= members_i y_j`` (redundant for the integer model, but it is
what keeps the relaxation tight: without it a site can be "opened" by a fraction that just
carries its load); ``sum y_j <= k``; the quotas. With ``y`` fixed the rest is a network
flow with lower bounds, whose polytope is integral: the flows of an optimal vertex are
whole members, so splitting a point costs no fractional people (the members of the chosen
sites are then assigned by a maximum flow with lower bounds, which is exact and whole;
decision 164).

The objective is the members covered; among plans covering as many, the cheaper one
(``cost``, then fewer sites) wins through a tie-break term too small to trade away one
member.
"""

import math
import time
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from liudong.siting.decompose import solve_by_components
from liudong.siting.model import (
    HEURISTIC,
    INFEASIBLE,
    OPTIMAL,
    TIME_LIMIT,
    Assignment,
    Candidate,
    DemandPoint,
    Instance,
    Model,
    Plan,
    Quota,
    SitingInputError,
    check_feasible,
    great_circle_km,
    infeasible,
    pairs_within,
    prepare,
)

__all__ = [
    "HEURISTIC",
    "INFEASIBLE",
    "OPTIMAL",
    "TIME_LIMIT",
    "Assignment",
    "Candidate",
    "DemandPoint",
    "Plan",
    "Quota",
    "SitingInputError",
    "check_plan",
    "great_circle_km",
    "greedy",
    "pairs_within",
    "solve",
]


def solve(
    points: Iterable[DemandPoint],
    candidates: Sequence[Candidate],
    k: int,
    radius_km: float,
    *,
    quotas: Sequence[Quota] = (),
    min_full: int = 3,
    time_limit: float = 60.0,
    tie_break: bool = True,
) -> Plan:
    """The exact plan (HiGHS branch and bound, ``mip_rel_gap=0``); on a time-out the better of the
    best found and the greedy plan, marked ``time_limit``. Raises ``SitingInputError`` for
    input it cannot take; returns ``status="infeasible"`` with a reason when no plan exists."""
    started = time.perf_counter()
    inst = prepare(points, candidates, k, radius_km, min_full, quotas)
    why = check_feasible(inst)
    if why:
        return infeasible(inst, why[0], why[1], time.perf_counter() - started, "milp")
    if inst.pi.size <= WHOLE_FIRST_PAIRS:
        # a small model: at once is quicker than by parts (one HiGHS call, not dozens)
        box = min(time_limit / 4, WHOLE_FIRST_SECONDS)
        plan = _exact(inst, started, box, tie_break)
        if plan.status == OPTIMAL or (plan.status == INFEASIBLE and plan.reason != "solver_failed"):
            return _finish(plan, inst, started)
    if not inst.quotas:  # quotas tie the components together: then the whole model
        plan, work = solve_by_components(
            inst,
            deadline=started + time_limit,
            exact=lambda sub, seconds: _exact(sub, time.perf_counter(), seconds, tie_break),
            greedy_order=greedy_order,
        )
        if plan is not None:
            plan.work = work
            return _finish(plan, inst, started)
    left = time_limit - (time.perf_counter() - started)
    return _exact(inst, started, max(0.1, left), tie_break, with_greedy=True)


WHOLE_FIRST_PAIRS = 10_000  # up to this many place-site pairs the whole model is tried first
WHOLE_FIRST_SECONDS = 2.0


def _finish(plan: Plan, inst: Instance, started: float) -> Plan:
    plan.total_members = inst.total_members
    plan.no_coordinates = inst.no_coordinates
    plan.no_coordinates_members = inst.no_coordinates_members
    plan.solve_seconds = time.perf_counter() - started
    return plan


def _exact(
    inst: Instance, started: float, time_limit: float, tie_break: bool, with_greedy: bool = False
) -> Plan:
    """The whole model of ``inst`` by HiGHS (see :func:`solve`); ``with_greedy``: on a time-out the
    greedy plan when it covers more."""
    min_full = inst.min_full
    why = check_feasible(inst)
    if why:
        return infeasible(inst, why[0], why[1], time.perf_counter() - started, "milp")
    # First the one-flow model (the minimum counted over all members: a relaxation, half the
    # columns); its open sites are then assigned by the exact split model. When that covers as
    # many, the relaxation's optimum is the problem's; else the split model is solved itself.
    relaxed = Model(inst, split=False, tie_break=tie_break)
    exact = Model(inst, split=True, tie_break=tie_break)
    res = _run(relaxed, time_limit - (time.perf_counter() - started))
    nodes = int(getattr(res, "mip_node_count", 0) or 0)
    plan: Plan | None = None
    if res.status == 2:
        return infeasible(inst, "no_feasible_plan", {}, time.perf_counter() - started, "milp")
    if res.x is not None:
        plan = _assigned(exact, res.x[: relaxed.ns], res.status == 1)
        if plan is not None and res.status == 0 and plan.covered < round(relaxed.covered(res.x)):
            plan = None
    if plan is None and res.status == 0:
        res = _run(exact, time_limit - (time.perf_counter() - started))
        nodes += int(getattr(res, "mip_node_count", 0) or 0)
        if res.status == 2:
            return infeasible(inst, "no_feasible_plan", {}, time.perf_counter() - started, "milp")
        if res.x is not None:
            plan = _assigned(exact, res.x[: exact.ns], res.status == 1)
    gap = getattr(res, "mip_gap", None)
    bound = getattr(res, "mip_dual_bound", None)
    timed_out = res.status == 1
    if timed_out and with_greedy:
        fallback = greedy(
            list(inst.points),
            inst.candidates,
            inst.k,
            inst.radius_km,
            quotas=inst.quotas,
            min_full=min_full,
        )
        if fallback.status != INFEASIBLE and (plan is None or fallback.covered > plan.covered):
            plan = fallback
            plan.status = TIME_LIMIT
            plan.reason = "time_limit_greedy"
        elif plan is not None:
            plan.reason = "time_limit_best_found"
    if plan is None:
        return infeasible(
            inst,
            "solver_failed",
            {"message": str(res.message)},
            time.perf_counter() - started,
            "milp",
        )
    plan.total_members = inst.total_members
    plan.no_coordinates = inst.no_coordinates
    plan.no_coordinates_members = inst.no_coordinates_members
    plan.gap = (
        float(gap) if gap is not None and math.isfinite(gap) else (0.0 if not timed_out else None)
    )
    if bound is not None and math.isfinite(bound):
        # the objective's bound less the tie-break (worth under one member): members at most
        plan.bound = math.floor(-float(bound) + 0.5)
        # Nor can it cover more than the located members: an early bound (a time-out far from
        # the optimum) may exceed them, and a gap against it would mean nothing.
        plan.bound = min(plan.bound, inst.total_members - inst.no_coordinates_members)
        if timed_out:  # the gap of the plan returned (it may be greedy's), not HiGHS's own
            plan.gap = max(0.0, plan.bound - plan.covered) / max(1, plan.covered)
    plan.work = {"nodes": nodes}
    plan.solve_seconds = time.perf_counter() - started
    return plan


def _run(model: Model, seconds: float):
    return milp(
        model.c,
        constraints=LinearConstraint(model.A, model.lb_rows, model.ub_rows)
        if model.A.shape[0]
        else None,
        integrality=model.integrality,
        bounds=Bounds(model.lb, model.ub),
        options={"mip_rel_gap": 0, "time_limit": max(0.1, seconds), "disp": False},
    )


def _assigned(exact: Model, y: np.ndarray, timed_out: bool) -> Plan | None:
    found = exact.plan_from_open(np.rint(y))
    if found is None:
        return None
    chosen, assignments, covered = found
    return Plan(
        status=TIME_LIMIT if timed_out else OPTIMAL,
        method="milp",
        chosen=chosen,
        assignments=assignments,
        covered=covered,
    )


def greedy(
    points: Iterable[DemandPoint],
    candidates: Sequence[Candidate],
    k: int,
    radius_km: float,
    *,
    quotas: Sequence[Quota] = (),
    min_full: int = 3,
) -> Plan:
    """The baseline: forced sites first, then quota minimums, then the site that adds the most
    members it could still serve, k times; the members then assigned at best for the chosen set
    (the same max-flow as the exact plan's last step)."""
    started = time.perf_counter()
    inst = prepare(points, candidates, k, radius_km, min_full, quotas)
    why = check_feasible(inst)
    if why:
        return infeasible(inst, why[0], why[1], time.perf_counter() - started, "greedy")
    model = Model(inst, split=True, tie_break=False)
    chosen, _picks, unmet = _greedy_open(inst, model, inst.k)
    if unmet is not None:
        return infeasible(
            inst, "greedy_quota_unmet", {"group": unmet}, time.perf_counter() - started, "greedy"
        )
    found = model.plan_from_open(chosen.astype(float))
    if found is None:
        return infeasible(inst, "greedy_no_assignment", {}, time.perf_counter() - started, "greedy")
    chosen_ids, assignments, covered = found
    return Plan(
        status=HEURISTIC,
        method="greedy",
        chosen=chosen_ids,
        assignments=assignments,
        covered=covered,
        total_members=inst.total_members,
        no_coordinates=inst.no_coordinates,
        no_coordinates_members=inst.no_coordinates_members,
        solve_seconds=time.perf_counter() - started,
    )


def _greedy_open(inst: Instance, model: Model, k: int) -> tuple[np.ndarray, list[int], str | None]:
    """Greedy's sites over the model's columns: the forced ones, then ``picks`` in the order
    taken (quota minimums first, then the most members added, the cheaper on a tie), at most
    ``k``; the group of a quota left unmet, if any."""
    min_full = inst.min_full
    ns = model.ns
    cands = inst.candidates
    sites = [cands[j] for j in model.site_idx]
    full_left = np.array([p.full_members for p in inst.points], dtype=float)
    prob_left = np.array([p.members - p.full_members for p in inst.points], dtype=float)
    site_col = np.full(len(cands), -1, dtype=np.int64)
    site_col[model.site_idx] = np.arange(ns)
    reach: list[list[int]] = [[] for _ in range(ns)]
    order = np.argsort(model.km, kind="stable")
    for t in order:  # nearest first
        reach[site_col[model.pj[t]]].append(int(model.pi[t]))
    caps = np.array([s.capacity for s in sites], dtype=float)
    chosen = np.zeros(ns, dtype=bool)
    picks: list[int] = []

    reach_matrix = sparse.csr_matrix(
        (np.ones(model.npair), (site_col[model.pj], model.pi)), shape=(ns, len(inst.points))
    )
    costs = np.array([s.cost for s in sites], dtype=float)

    def gains() -> tuple[np.ndarray, np.ndarray]:
        full = reach_matrix @ full_left
        return np.minimum(caps, full + reach_matrix @ prob_left), full

    def take(s: int) -> None:
        chosen[s] = True
        room = caps[s]
        # the minimum of full members first, then nearest members
        need = float(min_full)
        for i in reach[s]:
            if need <= 0 or room <= 0:
                break
            t = min(full_left[i], need, room)
            full_left[i] -= t
            need -= t
            room -= t
        for i in reach[s]:
            if room <= 0:
                break
            t = min(full_left[i], room)
            full_left[i] -= t
            room -= t
            t = min(prob_left[i], room)
            prob_left[i] -= t
            room -= t

    groups = [s.group for s in sites]
    count_in = {q.group: 0 for q in inst.quotas}
    maxima = {q.group: q.maximum for q in inst.quotas}
    for s in range(ns):
        if sites[s].forced:
            take(s)
            if groups[s] in count_in:
                count_in[groups[s]] += 1
    used = 0

    group_arr = np.array(groups, dtype=object)
    forced_arr = np.array([s.forced for s in sites], dtype=bool)

    def pick(among: np.ndarray) -> int | None:
        """The allowed site among ``among`` (a mask) that adds the most, the cheaper on a tie."""
        gain, full = gains()
        ok = among & ~chosen & ~forced_arr & (full >= min_full) & (gain > 0)
        for g, most in maxima.items():
            if most is not None and count_in[g] >= most:
                ok &= group_arr != g
        if not ok.any():
            return None
        candidates_ = np.flatnonzero(ok)
        best = np.lexsort((costs[candidates_], -gain[candidates_]))[0]
        return int(candidates_[best])

    for q in inst.quotas:
        members_of = group_arr == q.group
        while count_in[q.group] < q.minimum and used < k:
            s = pick(members_of)
            if s is None:
                break
            take(s)
            picks.append(s)
            count_in[q.group] += 1
            used += 1
    while used < k:
        s = pick(np.ones(ns, dtype=bool))
        if s is None:
            break
        take(s)
        picks.append(s)
        if groups[s] in count_in:
            count_in[groups[s]] += 1
        used += 1
    for q in inst.quotas:
        if count_in[q.group] < q.minimum:
            return chosen, picks, q.group
    return chosen, picks, None


def greedy_order(inst: Instance, model: Model) -> tuple[np.ndarray, list[int]]:
    """The forced sites (a mask over ``model``'s columns) and greedy's picks in order, up to
    ``inst.k`` (for :mod:`decompose`'s lower bounds: the first k picks are greedy's plan)."""
    forced = np.array([inst.candidates[j].forced for j in model.site_idx], dtype=bool)
    _chosen, picks, _unmet = _greedy_open(inst, model, inst.k)
    return forced, picks


def check_plan(
    plan: Plan,
    points: Iterable[DemandPoint],
    candidates: Sequence[Candidate],
    k: int,
    radius_km: float,
    *,
    quotas: Sequence[Quota] = (),
    min_full: int = 3,
) -> list[str]:
    """Every rule a returned plan must keep, as a list of breaches (empty: it keeps them all)."""
    pts = {p.id: p for p in points}
    cands = {c.id: c for c in candidates}
    out: list[str] = []
    chosen = set(plan.chosen)
    if len(chosen) != len(plan.chosen):
        out.append("a site chosen twice")
    for c in candidates:
        if c.forced and c.id not in chosen:
            out.append(f"forced {c.id} not chosen")
    if sum(1 for s in chosen if not cands[s].forced) > k:
        out.append("more than K new sites")
    load: dict[str, list[int]] = {s: [0, 0] for s in chosen}
    served: dict[str, list[int]] = {}
    for a in plan.assignments:
        if a.site not in chosen:
            out.append(f"{a.point} assigned to unchosen {a.site}")
            continue
        p, c = pts[a.point], cands[a.site]
        if great_circle_km(p.lng, p.lat, c.lng, c.lat) > radius_km + 1e-6:
            out.append(f"{a.point} beyond the radius of {a.site}")
        if a.members < 0 or a.full_members < 0 or a.full_members > a.members:
            out.append("bad assignment figures")
        load[a.site][0] += a.members
        load[a.site][1] += a.full_members
        s = served.setdefault(a.point, [0, 0])
        s[0] += a.members
        s[1] += a.full_members
    for pid, (m, f) in served.items():
        p = pts[pid]
        if m > p.members or f > p.full_members or m - f > p.members - p.full_members:
            out.append(f"{pid} served more than it has")
    for s, (m, f) in load.items():
        if m > cands[s].capacity:
            out.append(f"{s} over capacity")
        if f < min_full:
            out.append(f"{s} below the minimum of full members")
    for q in quotas:
        n = sum(1 for s in chosen if cands[s].group == q.group)
        if n < q.minimum or (q.maximum is not None and n > q.maximum):
            out.append(f"quota {q.group} broken")
    if plan.covered != sum(a.members for a in plan.assignments):
        out.append("covered does not add up")
    return out
