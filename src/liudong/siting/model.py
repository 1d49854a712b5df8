"""The siting model's types and its sparse matrices (see ``optimizer`` for the model in words).

Pure: numpy and scipy, no Django.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0088

OPTIMAL = "optimal"
TIME_LIMIT = "time_limit"  # the best plan found before the limit, marked
INFEASIBLE = "infeasible"
HEURISTIC = "heuristic"  # the greedy baseline asked for on its own


class SitingInputError(ValueError):
    """Input the model cannot take: ``code`` says which (the page words it), ``params``."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class DemandPoint:
    """Members at one place (members are aggregated by place, never one by one)."""

    id: str
    lng: float | None
    lat: float | None
    members: int
    full_members: int
    group: str = ""


@dataclass(frozen=True)
class Candidate:
    """A host site that could run a station (``existing``: one runs there; ``forced``: kept)."""

    id: str
    lng: float | None
    lat: float | None
    capacity: int
    cost: float = 0.0
    existing: bool = False
    forced: bool = False
    group: str = ""


@dataclass(frozen=True)
class Quota:
    """At least ``minimum``, at most ``maximum`` chosen sites among the candidates of ``group``."""

    group: str
    minimum: int = 0
    maximum: int | None = None


@dataclass(frozen=True)
class Assignment:
    point: str
    site: str
    members: int
    full_members: int
    distance_km: float


@dataclass
class Plan:
    """What a solve returns. ``chosen`` includes the forced sites."""

    status: str
    method: str  # "milp" or "greedy"
    chosen: list[str] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    covered: int = 0
    total_members: int = 0
    gap: float | None = None
    solve_seconds: float = 0.0
    reason: str = ""  # why infeasible / what fell back, a code the page words
    reason_params: dict = field(default_factory=dict)
    no_coordinates: list[str] = field(default_factory=list)  # points without lng/lat
    no_coordinates_members: int = 0
    bound: float | None = None  # the solver's upper bound on the members covered
    work: dict = field(default_factory=dict)  # what the solve did (components, exact solves)

    def load(self) -> dict[str, tuple[int, int]]:
        """Per chosen site: (members, full members) assigned."""
        out = dict.fromkeys(self.chosen, (0, 0))
        for a in self.assignments:
            m, f = out[a.site]
            out[a.site] = (m + a.members, f + a.full_members)
        return out

    def uncovered_by_point(self, points: Iterable[DemandPoint]) -> dict[str, int]:
        served: dict[str, int] = {}
        for a in self.assignments:
            served[a.point] = served.get(a.point, 0) + a.members
        return {
            p.id: p.members - served.get(p.id, 0) for p in points if p.members > served.get(p.id, 0)
        }


def _unit(lng: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lam, phi = np.radians(lng), np.radians(lat)
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


def great_circle_km(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Haversine distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dphi, dlam = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def pairs_within(
    points: Sequence[DemandPoint], candidates: Sequence[Candidate], radius_km: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(point index, candidate index, km) of each pair within the radius (k-d tree, sphere)."""
    if not points or not candidates:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    pu = _unit(np.array([p.lng for p in points]), np.array([p.lat for p in points]))
    cu = _unit(np.array([c.lng for c in candidates]), np.array([c.lat for c in candidates]))
    chord = 2 * math.sin(min(radius_km / EARTH_RADIUS_KM, math.pi) / 2) * (1 + 1e-12)
    tree = cKDTree(cu)
    found = tree.query_ball_point(pu, r=chord)
    rows = np.fromiter((i for i, js in enumerate(found) for _ in js), dtype=np.int64)
    cols = np.fromiter((j for js in found for j in js), dtype=np.int64)
    if rows.size == 0:
        return rows, cols, np.zeros(0)
    dot = np.clip(np.einsum("ij,ij->i", pu[rows], cu[cols]), -1.0, 1.0)
    km = EARTH_RADIUS_KM * np.arccos(dot)
    keep = km <= radius_km + 1e-9
    return rows[keep], cols[keep], km[keep]


@dataclass
class Instance:
    points: list[DemandPoint]
    candidates: list[Candidate]
    k: int
    radius_km: float
    min_full: int
    quotas: list[Quota]
    no_coordinates: list[str]
    no_coordinates_members: int
    total_members: int
    pi: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    pj: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    km: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _aggregate(points: Iterable[DemandPoint]) -> tuple[list[DemandPoint], list[str], int, int]:
    """Merge points of one id; set aside those without coordinates (counted, listed)."""
    merged: dict[str, DemandPoint] = {}
    for p in points:
        if p.members < 0 or p.full_members < 0 or p.full_members > p.members:
            raise SitingInputError(
                "bad_point", f"demand point {p.id}: members and full members do not fit", point=p.id
            )
        if p.id in merged:
            q = merged[p.id]
            p = DemandPoint(
                p.id, q.lng, q.lat, q.members + p.members, q.full_members + p.full_members, q.group
            )
        merged[p.id] = p
    located, missing, missing_members, total = [], [], 0, 0
    for p in merged.values():
        total += p.members
        if p.lng is None or p.lat is None:
            missing.append(p.id)
            missing_members += p.members
        elif p.members > 0:
            located.append(p)
    return located, missing, missing_members, total


def prepare(
    points: Iterable[DemandPoint],
    candidates: Sequence[Candidate],
    k: int,
    radius_km: float,
    min_full: int,
    quotas: Sequence[Quota],
) -> Instance:
    if not candidates:
        raise SitingInputError("no_candidates", "there are no candidate sites")
    if radius_km is None or not radius_km > 0:
        raise SitingInputError("bad_radius", "the radius must be more than 0 km", radius=radius_km)
    if k is None or k < 0:
        raise SitingInputError("bad_k", "K must be 0 or more", k=k)
    if min_full < 0:
        raise SitingInputError("bad_min_full", "the minimum of full members must be 0 or more")
    ids = [c.id for c in candidates]
    if len(set(ids)) != len(ids):
        raise SitingInputError("duplicate_candidate", "two candidates share an id")
    free = [c for c in candidates if not c.forced]
    if k > len(free):
        raise SitingInputError(
            "k_too_large",
            f"K ({k}) is larger than the candidates to choose from ({len(free)})",
            k=k,
            candidates=len(free),
        )
    unplaced = [c.id for c in candidates if c.lng is None or c.lat is None]
    if unplaced:
        raise SitingInputError(
            "candidate_without_coordinates",
            "candidates without coordinates: " + ", ".join(unplaced),
            ids=unplaced,
        )
    for c in candidates:
        if c.capacity < 0:
            raise SitingInputError(
                "bad_capacity", f"candidate {c.id}: negative capacity", candidate=c.id
            )
    located, missing, missing_members, total = _aggregate(points)
    inst = Instance(
        points=located,
        candidates=list(candidates),
        k=k,
        radius_km=float(radius_km),
        min_full=min_full,
        quotas=list(quotas),
        no_coordinates=missing,
        no_coordinates_members=missing_members,
        total_members=total,
    )
    inst.pi, inst.pj, inst.km = pairs_within(located, inst.candidates, inst.radius_km)
    return inst


def check_feasible(inst: Instance) -> tuple[str, dict] | None:
    """The reasons an instance has no plan at all that can be told before solving."""
    full_in_reach = np.zeros(len(inst.candidates))
    fulls = np.array([p.full_members for p in inst.points], dtype=float)
    if inst.pi.size:
        np.add.at(full_in_reach, inst.pj, fulls[inst.pi])
    for j, c in enumerate(inst.candidates):
        if c.forced and c.capacity < inst.min_full:
            return "forced_capacity_below_minimum", {
                "site": c.id,
                "capacity": c.capacity,
                "minimum": inst.min_full,
            }
        if c.forced and full_in_reach[j] < inst.min_full:
            return "forced_too_few_full_members", {
                "site": c.id,
                "full_members": int(full_in_reach[j]),
                "minimum": inst.min_full,
            }
    viable = _viable(inst, full_in_reach)
    need = 0
    for q in inst.quotas:
        members = [j for j, c in enumerate(inst.candidates) if c.group == q.group]
        forced = sum(1 for j in members if inst.candidates[j].forced)
        usable = sum(1 for j in members if viable[j] or inst.candidates[j].forced)
        if q.maximum is not None and q.maximum < q.minimum:
            return "quota_max_below_min", {"group": q.group}
        if usable < q.minimum:
            return "quota_too_few_candidates", {
                "group": q.group,
                "minimum": q.minimum,
                "usable": usable,
            }
        if q.maximum is not None and forced > q.maximum:
            return "quota_forced_above_max", {
                "group": q.group,
                "maximum": q.maximum,
                "forced": forced,
            }
        need += max(0, q.minimum - forced)
    if need > inst.k:
        return "quotas_above_k", {"needed": need, "k": inst.k}
    return None


def _viable(inst: Instance, full_in_reach: np.ndarray) -> np.ndarray:
    """A free candidate can be chosen only if it could take its minimum of full members."""
    caps = np.array([c.capacity for c in inst.candidates], dtype=float)
    ok = (full_in_reach >= inst.min_full) & (caps >= max(inst.min_full, 1))
    return ok


def infeasible(inst: Instance, reason: str, params: dict, seconds: float, method: str) -> Plan:
    return Plan(
        status=INFEASIBLE,
        method=method,
        total_members=inst.total_members,
        reason=reason,
        reason_params=params,
        no_coordinates=inst.no_coordinates,
        no_coordinates_members=inst.no_coordinates_members,
        solve_seconds=seconds,
    )


class Model:
    """The sparse model over the pairs that matter. Columns: y (open sites), then per pair either
    one flow (``split=False``: members; the minimum counts all members, a relaxation) or two
    (``split=True``: full, then probationary members; the minimum counts full ones, exact)."""

    def __init__(self, inst: Instance, *, split: bool = True, tie_break: bool = True) -> None:
        self.inst = inst
        self.split = split
        cands = inst.candidates
        n_pts = len(inst.points)
        full = np.array([p.full_members for p in inst.points], dtype=float)
        members = np.array([p.members for p in inst.points], dtype=float)
        full_in_reach = np.zeros(len(cands))
        if inst.pi.size:
            np.add.at(full_in_reach, inst.pj, full[inst.pi])
        viable = _viable(inst, full_in_reach)
        # sites in the model: forced ones and viable free ones
        site_idx = [j for j, c in enumerate(cands) if c.forced or viable[j]]
        self.site_idx = np.array(site_idx, dtype=np.int64)
        col_of_site = np.full(len(cands), -1, dtype=np.int64)
        col_of_site[self.site_idx] = np.arange(len(site_idx))
        keep = col_of_site[inst.pj] >= 0 if inst.pj.size else np.zeros(0, dtype=bool)
        self.pi, self.pj, self.km = inst.pi[keep], inst.pj[keep], inst.km[keep]
        ns, npair = len(site_idx), len(self.pi)
        sc = col_of_site[self.pj]  # site column of each pair
        self.sc = sc
        self.ns, self.npair = ns, npair
        flows = 2 if split else 1
        nv = ns + flows * npair
        f0, p0 = ns, ns + npair  # p0 only when split
        ar = np.arange(npair)
        every = np.arange(ns, nv)  # all flow columns
        pair_of = np.tile(ar, flows)  # the pair of each flow column

        caps = np.array([cands[j].capacity for j in site_idx], dtype=float)
        forced = np.array([cands[j].forced for j in site_idx], dtype=bool)
        costs = np.array([max(0.0, float(cands[j].cost)) for j in site_idx])
        # a site never serves more than the members within its reach
        reach = np.bincount(sc, weights=members[self.pi], minlength=ns) if ns else np.zeros(0)
        self.caps = caps.copy()  # as given, for the assignment by max-flow
        caps = np.minimum(caps, reach)

        blocks: list[sparse.csr_matrix] = []
        lo: list[np.ndarray] = []
        hi: list[np.ndarray] = []

        def add(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, nrows: int, lb, ub) -> None:
            blocks.append(sparse.csr_matrix((vals, (rows, cols)), shape=(nrows, nv)))
            lo.append(np.broadcast_to(np.asarray(lb, dtype=float), (nrows,)))
            hi.append(np.broadcast_to(np.asarray(ub, dtype=float), (nrows,)))

        pts_used = np.unique(self.pi)
        prow = np.full(n_pts, -1, dtype=np.int64)
        prow[pts_used] = np.arange(len(pts_used))
        npu = len(pts_used)
        if npu:
            # per point: what it has (full and probationary apart when split)
            if split:
                add(prow[self.pi], f0 + ar, np.ones(npair), npu, 0, full[pts_used])
                prob = members - full
                add(prow[self.pi], p0 + ar, np.ones(npair), npu, 0, prob[pts_used])
            else:
                add(prow[self.pi], f0 + ar, np.ones(npair), npu, 0, members[pts_used])
            # per point: served only when a site within reach is open (the max-coverage row;
            # it tightens the relaxation at the cost of one row per place, not one per pair)
            rows = np.concatenate([prow[self.pi[pair_of]], prow[self.pi]])
            cols = np.concatenate([every, sc])
            vals = np.concatenate([np.ones(flows * npair), -members[self.pi]])
            add(rows, cols, vals, npu, -np.inf, 0)
        if ns:
            # per site: capacity (load - cap*y <= 0)
            rows = np.concatenate([sc[pair_of], np.arange(ns)])
            cols = np.concatenate([every, np.arange(ns)])
            add(rows, cols, np.concatenate([np.ones(flows * npair), -caps]), ns, -np.inf, 0)
            # per site: the minimum (full members when split, all members otherwise)
            if inst.min_full > 0:
                rows = np.concatenate([sc, np.arange(ns)])
                cols = np.concatenate([f0 + ar, np.arange(ns)])
                vals = np.concatenate([np.ones(npair), np.full(ns, -float(inst.min_full))])
                add(rows, cols, vals, ns, 0, np.inf)
        # K over the free sites
        free_cols = np.flatnonzero(~forced)
        if free_cols.size:
            ones = np.ones(free_cols.size)
            add(np.zeros(free_cols.size, dtype=np.int64), free_cols, ones, 1, 0, inst.k)
        # quotas over all sites of the group (forced ones count)
        groups = [cands[j].group for j in site_idx]
        for q in inst.quotas:
            cols = np.array([s for s, g in enumerate(groups) if g == q.group], dtype=np.int64)
            if cols.size:
                ub = np.inf if q.maximum is None else q.maximum
                add(np.zeros(cols.size, dtype=np.int64), cols, np.ones(cols.size), 1, q.minimum, ub)
        self.A = sparse.vstack(blocks, format="csr") if blocks else sparse.csr_matrix((0, nv))
        self.lb_rows = np.concatenate(lo) if lo else np.zeros(0)
        self.ub_rows = np.concatenate(hi) if hi else np.zeros(0)

        # objective (minimized): - covered + a tie-break worth less than one member in total
        c = np.zeros(nv)
        c[f0:] = -1.0
        if tie_break and ns:
            weight = costs + 1.0
            c[:ns] = 0.5 * weight / (weight.sum() + 1.0)
        self.c = c
        lb = np.zeros(nv)
        ub = np.full(nv, np.inf)
        ub[:ns] = 1.0
        lb[:ns] = forced.astype(float)
        self.lb, self.ub = lb, ub
        self.integrality = np.zeros(nv, dtype=np.uint8)
        self.integrality[:ns] = 1
        self.nv = nv

    def covered(self, x: np.ndarray) -> float:
        return float(x[self.ns :].sum())

    def plan_from_open(
        self, y_open: np.ndarray, *, by_flow: bool = True
    ) -> tuple[list[str], list[Assignment], int] | None:
        """Fix the open sites; the best assignment, whole members. By max-flow with lower bounds
        (``flows_for_open``, the default) or by the linear program over the split model (whose
        optimum is whole too; kept for the tests that compare the two). Only on the split model
        (the one that counts full members)."""
        assert self.split
        inst = self.inst
        chosen = [inst.candidates[self.site_idx[s]].id for s in np.flatnonzero(y_open > 0.5)]
        if by_flow:
            flows = self.flows_for_open(y_open)
            if flows is None:
                return None
            return (chosen, *self._assignments(*flows))
        lb, ub = self.lb.copy(), self.ub.copy()
        lb[: self.ns] = y_open
        ub[: self.ns] = y_open
        c = self.c.copy()
        c[: self.ns] = 0.0
        res = milp(
            c,
            constraints=LinearConstraint(self.A, self.lb_rows, self.ub_rows)
            if self.A.shape[0]
            else None,
            integrality=np.zeros(self.nv, dtype=np.uint8),
            bounds=Bounds(lb, ub),
            options={"disp": False},
        )
        if res.status != 0 or res.x is None:
            return None
        x = np.rint(res.x)
        f = x[self.ns : self.ns + self.npair]
        p = x[self.ns + self.npair :]
        return (chosen, *self._assignments(f, p))

    def _assignments(self, f: np.ndarray, p: np.ndarray) -> tuple[list[Assignment], int]:
        inst = self.inst
        out = []
        for t in np.flatnonzero((f + p) > 0):
            out.append(
                Assignment(
                    point=inst.points[self.pi[t]].id,
                    site=inst.candidates[self.pj[t]].id,
                    members=int(f[t] + p[t]),
                    full_members=int(f[t]),
                    distance_km=round(float(self.km[t]), 3),
                )
            )
        return out, int(sum(a.members for a in out))

    def flows_for_open(self, y_open: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """The best assignment to the open sites as a maximum flow: :func:`flow.flows_for_open`."""
        from liudong.siting.flow import flows_for_open

        return flows_for_open(self, y_open)
