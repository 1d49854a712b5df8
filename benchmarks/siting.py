"""Benchmark: the siting optimizer, exact (HiGHS, gap 0) against the greedy baseline (issue 15).

    python benchmarks/siting.py [--quick] [--skip-national] [--runs R] [--seed S]

The optimizer is a pure module (``liudong.siting.optimizer``): no database is needed, so
none is made (the design's rule of a database per benchmark does not apply). Data are
deterministic from the seed: cities spread over China, members in places scattered around
them (aggregated by place, as the page does), candidates around the same cities; existing
stations (capacity 500) are kept, candidates' capacities 200-1,000, the minimum of 3 full
members per station in force, no quotas, a 30 km radius.

Sizes: small, 6,000 members in 300 places x 200 candidates (K = 20); large, 100,000 members
in 3,000 places x 2,000 candidates (K = 150); national, 3,000 places x 10,000 candidates,
K = 300, a 120 s limit (once, reported, not a target; ``--skip-national`` leaves it out).
At each size exact and greedy alternate (A B A B), the median of the runs is reported.
Here the limit is the exact optimum: greedy's coverage is compared to it (``ratio`` =
greedy / exact at the large size). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from liudong.siting import optimizer as opt  # noqa: E402

TARGET = "gap == 0 and small_s <= 1 and large_s <= 20"


def say(text: str = "") -> None:
    print(text, flush=True)


def machine() -> str:
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GB"
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, {memory or '? GB'}, {platform.system()}, load {load}"


def instance(
    seed: int, members: int, places: int, candidates: int, existing: int
) -> tuple[list[opt.DemandPoint], list[opt.Candidate]]:
    """Members in places around cities (a few big ones, many small), candidates near them."""
    rng = random.Random(seed)
    n_cities = max(10, places // 25)
    cities = [
        (rng.uniform(80, 125), rng.uniform(22, 47), rng.paretovariate(1.2)) for _ in range(n_cities)
    ]
    weights = [c[2] for c in cities]

    def around(city: tuple[float, float, float], spread_km: float) -> tuple[float, float]:
        lng, lat, _ = city
        dy, dx = rng.gauss(0, spread_km), rng.gauss(0, spread_km)
        return lng + dx / (111.2 * math.cos(math.radians(lat))), lat + dy / 111.2

    place_city = rng.choices(cities, weights=weights, k=places)
    shares = [rng.paretovariate(1.5) for _ in range(places)]
    total = sum(shares)
    counts = [max(1, int(members * s / total)) for s in shares]
    counts[0] += members - sum(counts)  # exactly N members
    points = []
    for i, (city, m) in enumerate(zip(place_city, counts, strict=True)):
        lng, lat = around(city, 25)
        if m < 200:
            full = sum(1 for _ in range(m) if rng.random() < 0.9)
        else:
            full = int(m * rng.uniform(0.85, 0.95))
        points.append(opt.DemandPoint(f"p{i}", lng, lat, m, full))
    cands = []
    biggest = sorted(points, key=lambda p: -p.full_members)[:existing]
    for j in range(candidates):
        old = j < existing
        if old:  # today's stations stand where many members are
            lng, lat = around((biggest[j].lng, biggest[j].lat, 0), 3)
        else:
            lng, lat = around(rng.choices(cities, weights=weights)[0], 30)
        cands.append(
            opt.Candidate(
                f"c{j}",
                lng,
                lat,
                500 if old else rng.randint(200, 1000),
                cost=0 if old else rng.randint(1, 10),
                existing=old,
                forced=old,
            )
        )
    return points, cands


def run_size(name: str, args: argparse.Namespace, size: dict, runs: int) -> dict:
    points, cands = instance(
        args.seed, size["members"], size["places"], size["candidates"], size["existing"]
    )
    k, radius = size["k"], args.radius
    n_pairs = len(opt.pairs_within(points, cands, radius)[0])
    say(
        f"{name}: {sum(p.members for p in points):,} members in {len(points):,} places x "
        f"{len(cands):,} candidates ({size['existing']} existing kept), K = {k}, "
        f"radius {radius:g} km, "
        f"{n_pairs:,} pairs within it"
    )
    exact_t, greedy_t = [], []
    exact = greedy = None
    # warm-up (imports, HiGHS's first call), then A B A B
    opt.greedy(points[:50], cands[-20:], 1, radius)
    exact_cpu = []
    for _ in range(runs):
        cpu = time.process_time()
        exact = opt.solve(points, cands, k, radius, time_limit=size["limit"])
        exact_cpu.append(time.process_time() - cpu)
        exact_t.append(exact.solve_seconds)
        greedy = opt.greedy(points, cands, k, radius)
        greedy_t.append(greedy.solve_seconds)
    assert exact is not None and greedy is not None
    if exact.status == opt.INFEASIBLE:
        raise SystemExit(f"{name}: infeasible, {exact.reason} {exact.reason_params}")
    for plan in (exact, greedy):
        breaches = opt.check_plan(plan, points, cands, k, radius)
        if breaches:
            raise SystemExit(f"{name}: {plan.method} breaks the rules: {breaches[:3]}")
    total = exact.total_members
    say(
        f"  exact : {statistics.median(exact_t):8.3f} s (median of {runs}), status {exact.status}, "
        f"gap {exact.gap}, covered {exact.covered:,} of {total:,} ({exact.covered / total:.1%}), "
        f"{len(exact.chosen)} sites; CPU {statistics.median(exact_cpu):.3f} s; work {exact.work}"
    )
    say(
        f"  greedy: {statistics.median(greedy_t):8.3f} s, covered {greedy.covered:,} "
        f"({greedy.covered / total:.1%}), "
        f"ratio greedy/exact {greedy.covered / max(1, exact.covered):.4f}"
    )
    return {
        "exact_s": round(statistics.median(exact_t), 3),
        "exact_cpu_s": round(statistics.median(exact_cpu), 3),
        "work": exact.work,
        "greedy_s": round(statistics.median(greedy_t), 3),
        "status": exact.status,
        "gap": exact.gap,
        "exact_coverage": exact.covered,
        "greedy_coverage": greedy.covered,
        "total": total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the small size only, once")
    parser.add_argument("--skip-national", action="store_true", help="leave out the national size")
    parser.add_argument("--runs", type=int, default=5, help="runs, small size (large: 3 at most)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--radius", type=float, default=30.0)
    args = parser.parse_args()
    say(f"siting benchmark, seed {args.seed}; {machine()}")
    size = ("members", "places", "candidates", "existing", "k", "limit")
    small = dict(zip(size, (6000, 300, 200, 10, 20, 60), strict=True))
    large = dict(zip(size, (100_000, 3000, 2000, 50, 150, 120), strict=True))
    national = dict(zip(size, (100_000, 3000, 10_000, 50, 300, 120), strict=True))
    result: dict = {"benchmark": "siting", "seed": args.seed, "radius_km": args.radius}
    s = run_size("small", args, small, 1 if args.quick else args.runs)
    result["small_s"] = s["exact_s"]
    result["small_gap"] = s["gap"]
    result["small_greedy_s"] = s["greedy_s"]
    if not args.quick:
        g = run_size("large", args, large, min(3, args.runs))
        result.update(
            large_s=g["exact_s"],
            large_cpu_s=g["exact_cpu_s"],
            large_work=g["work"],
            large_greedy_s=g["greedy_s"],
            gap=g["gap"],
            exact_coverage=g["exact_coverage"],
            greedy_coverage=g["greedy_coverage"],
            ratio=round(g["greedy_coverage"] / max(1, g["exact_coverage"]), 4),
            members=g["total"],
        )
    else:
        result.update(
            large_s=None,
            gap=s["gap"],
            exact_coverage=s["exact_coverage"],
            greedy_coverage=s["greedy_coverage"],
            ratio=round(s["greedy_coverage"] / max(1, s["exact_coverage"]), 4),
        )
    if args.quick or args.skip_national:
        result.update(national_s=None, national_gap=None)
    else:
        n = run_size("national", args, national, 1)
        result.update(national_s=n["exact_s"], national_gap=n["gap"], national_status=n["status"])
    result["load"] = [round(x, 2) for x in os.getloadavg()]
    result["target"] = TARGET
    result["pass"] = (
        result["gap"] == 0
        and result["small_s"] <= 1
        and (result["large_s"] is None or result["large_s"] <= 20)
    )
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    result["when"] = started
    say(json.dumps(result))


if __name__ == "__main__":
    main()
