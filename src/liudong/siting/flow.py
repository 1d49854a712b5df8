"""The best assignment to a plan's open sites as a maximum flow (decision 164), split out of
``model`` (its size). Pure: numpy and scipy, no Django."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import maximum_flow


def flows_for_open(model: Any, y_open: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The best assignment to the open sites as a maximum flow (decision 164): per pair the
    full and the probationary members (whole), or None when the open sites cannot all get
    their minimum of full members. The network: source -> full_i (full_i), source ->
    prob_i (prob_i); full_i -> in_j and prob_i -> out_j per pair in reach of an open site;
    in_j -> out_j with the lower bound ``min_full``; out_j -> sink (capacity_j). The lower
    bounds by the textbook reduction: a circulation from a super source to a super sink
    first (sink -> source uncapped), then the most from source to sink in what is left."""
    inst = model.inst
    n, ns = len(inst.points), model.ns
    full = np.array([p.full_members for p in inst.points], dtype=np.int64)
    prob = np.array([p.members for p in inst.points], dtype=np.int64) - full
    is_open = np.asarray(y_open) > 0.5
    use = np.flatnonzero(is_open[model.sc]) if model.npair else np.zeros(0, dtype=np.int64)
    sites = np.flatnonzero(is_open)
    low = int(inst.min_full)
    big = int(full.sum() + prob.sum()) + 1
    src, snk, f0, p0 = 0, 1, 2, 2 + n
    a0, b0 = 2 + 2 * n, 2 + 2 * n + ns
    s2, t2 = b0 + ns, b0 + ns + 1
    size = t2 + 1
    caps = np.rint(model.caps[sites]).astype(np.int64)
    pi, sc = model.pi[use], model.sc[use]
    tails = [np.zeros(n, np.int64), np.zeros(n, np.int64), f0 + pi, p0 + pi, a0 + sites]
    heads = [f0 + np.arange(n), p0 + np.arange(n), a0 + sc, b0 + sc, b0 + sites]
    cap = [full, prob, np.full(use.size, big), np.full(use.size, big)]
    cap.append(np.full(sites.size, big - low))
    tails += [b0 + sites, np.array([snk])]
    heads += [np.full(sites.size, snk), np.array([src])]
    cap += [caps, np.array([big])]
    if low:
        tails += [np.full(sites.size, s2), a0 + sites]
        heads += [b0 + sites, np.full(sites.size, t2)]
        cap += [np.full(sites.size, low), np.full(sites.size, low)]
    u, v, c = np.concatenate(tails), np.concatenate(heads), np.concatenate(cap)
    keep = c > 0
    graph = sparse.csr_matrix((c[keep].astype(np.int32), (u[keep], v[keep])), shape=(size, size))
    flow = sparse.csr_matrix((size, size), dtype=np.int64)
    if low and sites.size:
        first = maximum_flow(graph, s2, t2)
        if first.flow_value < low * sites.size:
            return None
        flow = first.flow.astype(np.int64)
    # what is left, without the super source and sink and the edge sink -> source
    left = (graph.astype(np.int64) - flow).tocoo()
    r, q, d = left.row, left.col, left.data
    keep = (d > 0) & (r < s2) & (q < s2) & ~(((r == snk) & (q == src)) | ((r == src) & (q == snk)))
    left = sparse.csr_matrix((d[keep].astype(np.int32), (r[keep], q[keep])), shape=(size, size))
    second = maximum_flow(left, src, snk)
    total = (flow + second.flow.astype(np.int64)).tocsr()
    f = np.zeros(model.npair)
    p = np.zeros(model.npair)
    if use.size:
        f[use] = np.asarray(total[f0 + pi, a0 + sc]).ravel()
        p[use] = np.asarray(total[p0 + pi, b0 + sc]).ravel()
    return f, p
