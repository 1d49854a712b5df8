"""One plan: read demand and candidates, solve, and shape the results the CLI (and pages) show.

A member counts as served here when a chosen station within the radius takes them: a
planning assumption, not the dashboard's "attached to a station" (decision 152).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from liudong.orgs.models import Organization
from liudong.siting import optimizer as opt
from liudong.siting import queries
from liudong.siting.queries import IN_PROVINCE, OUT_OF_PROVINCE, Filters, Site

REASONS = {
    "no_candidates": lambda p: _("There are no candidate host sites."),
    "bad_radius": lambda p: _("The radius must be more than 0 km."),
    "bad_k": lambda p: _("K must be 0 or more."),
    "k_too_large": lambda p: (
        _("K (%(k)s) is larger than the candidates to choose from (%(candidates)s).") % p
    ),
    "forced_capacity_below_minimum": lambda p: (
        _(
            "The kept station %(site)s can serve %(capacity)s members, fewer than the minimum of "
            "%(minimum)s full members."
        )
        % p
    ),
    "forced_too_few_full_members": lambda p: (
        _(
            "Only %(full_members)s full members are within the radius of the kept station "
            "%(site)s; its branch needs %(minimum)s."
        )
        % p
    ),
    "no_feasible_plan": lambda p: _(
        "No plan keeps every rule: the kept stations cannot each have the minimum of full "
        "members within the radius, or the quotas cannot be met."
    ),
    "quota_too_few_candidates": lambda p: (
        _(
            "The quota of %(group)s asks for %(minimum)s sites but only %(usable)s can be opened "
            "there."
        )
        % p
    ),
    "quotas_above_k": lambda p: _("The quotas need %(needed)s new sites, more than K (%(k)s).") % p,
    "quota_max_below_min": lambda p: _("A quota's maximum is below its minimum."),
    "quota_forced_above_max": lambda p: (
        _("More kept stations in %(group)s than its quota's maximum (%(maximum)s).") % p
    ),
    "time_limit_best_found": lambda p: _(
        "The time limit was reached: the best plan found is shown."
    ),
    "time_limit_greedy": lambda p: _(
        "The time limit was reached: the heuristic's plan is shown (it covers more than the best "
        "found)."
    ),
}


def quota_city_name(code: str) -> str:
    """A quota's city as the messages name it (its code when unknown)."""
    return queries.place_names([code]).get(code, code)


def _site_by_name(params: dict, names: dict[str, str]) -> None:
    """A refusal names a site by the model's id ("h12"): the page and the CLI say its name."""
    if "site" in params:
        params["site"] = names.get(str(params["site"]), params["site"])


def reason_text(code: str, params: dict) -> str:
    words = REASONS.get(code)
    return words(params) if words else code


@dataclass
class SiteResult:
    site: Site
    members: int
    full_members: int
    new: bool


@dataclass
class Result:
    k: int
    radius_km: float
    plan: opt.Plan
    before: opt.Plan | None
    sites: list[SiteResult]
    total: int
    total_by_group: dict[str, int]
    covered_by_group: dict[str, int]
    before_by_group: dict[str, int]
    uncovered_clusters: list[tuple[str, str, int]]  # (prefecture code, name, members)
    no_coordinates: list[tuple[str, str, int]]  # (place code, name, members)
    targets: dict[str, float] = field(default_factory=dict)

    @property
    def covered(self) -> int:
        return self.plan.covered

    def share(self, covered: int, total: int) -> float | None:
        return round(100.0 * covered / total, 1) if total else None


def _by_group(plan: opt.Plan | None, groups: dict[str, str]) -> dict[str, int]:
    out = {IN_PROVINCE: 0, OUT_OF_PROVINCE: 0}
    if plan is not None:
        for a in plan.assignments:
            out[groups[a.point]] += a.members
    return out


def run(
    by: Any,
    *,
    k: int,
    radius_km: float,
    filters: Filters | None = None,
    keep_existing: bool = True,
    quotas: tuple[opt.Quota, ...] = (),
    min_full: int = 3,
    time_limit: float = 60.0,
    kind: str = "liaison",
) -> Result:
    """Solve a plan for what ``by`` sees (``filters.scope``: a county's own members).
    Raises ``optimizer.SitingInputError`` for input the model cannot take."""
    filters = filters or Filters()
    points = queries.demand_points(by, filters)
    sites = queries.candidate_sites(
        filters.scope, keep_existing=keep_existing, kind=kind, within=filters.destination
    )
    candidates = [s.candidate for s in sites]
    names = {s.candidate.id: s.name for s in sites}
    try:
        plan = opt.solve(
            points,
            candidates,
            k,
            radius_km,
            quotas=quotas,
            min_full=min_full,
            time_limit=time_limit,
        )
    except opt.SitingInputError as exc:
        _site_by_name(exc.params, names)
        raise
    _site_by_name(plan.reason_params, names)
    existing = [c for c in candidates if c.existing]
    before = None
    if existing:
        today = [
            opt.Candidate(c.id, c.lng, c.lat, c.capacity, c.cost, True, True, c.group)
            for c in existing
        ]
        before = opt.solve(points, today, 0, radius_km, min_full=0, time_limit=time_limit)
    groups = {p.id: p.group for p in points}
    load = plan.load()
    by_id = {s.candidate.id: s for s in sites}
    site_results = [
        SiteResult(by_id[c], load[c][0], load[c][1], not by_id[c].candidate.existing)
        for c in sorted(plan.chosen, key=lambda c: (-load[c][0], c))
    ]
    total_by_group = {IN_PROVINCE: 0, OUT_OF_PROVINCE: 0}
    for p in points:
        total_by_group[p.group] += p.members
    located = [p for p in points if p.lng is not None and p.lat is not None]
    uncovered = plan.uncovered_by_point(located)
    place_of = {pid: pid.split(":")[0] for pid in uncovered}
    prefectures = queries.prefecture_of(place_of.values())
    clusters: dict[tuple[str, str], int] = defaultdict(int)
    for pid, n in uncovered.items():
        clusters[prefectures.get(place_of[pid], (place_of[pid], place_of[pid]))] += n
    missing = {p.id: p for p in points if p.lng is None or p.lat is None}
    names = queries.place_names(pid.split(":")[0] for pid in missing)
    targets: dict[str, float] = {}
    scope_org = (
        filters.scope or Organization.objects.filter(parent__isnull=True).order_by("pk").first()
    )
    if scope_org is not None:
        from liudong.analytics.figures.targets import target_for

        target = target_for(scope_org, datetime.date.today().year)
        targets = {
            IN_PROVINCE: float(target.in_province),
            OUT_OF_PROVINCE: float(target.out_of_province),
        }
    return Result(
        k=k,
        radius_km=radius_km,
        plan=plan,
        before=before,
        sites=site_results,
        total=plan.total_members,
        total_by_group=total_by_group,
        covered_by_group=_by_group(plan, groups),
        before_by_group=_by_group(before, groups),
        uncovered_clusters=sorted(
            ((code, name, n) for (code, name), n in clusters.items()), key=lambda t: (-t[2], t[0])
        )[:10],
        no_coordinates=sorted(
            (pid.split(":")[0], names.get(pid.split(":")[0], pid), p.members)
            for pid, p in missing.items()
        ),
        targets=targets,
    )


def text_lines(result: Result) -> list[str]:
    """The results as the command line prints them (the same figures as the page)."""
    plan = result.plan
    lines = [
        _(
            "Plan: K = %(k)s, radius %(radius)s km (a planning assumption, not the "
            'dashboard\'s "attached").'
        )
        % {"k": result.k, "radius": f"{result.radius_km:g}"},
        _("Status: %(status)s, solver gap %(gap)s, %(seconds).2f s.")
        % {"status": plan.status, "gap": plan.gap, "seconds": plan.solve_seconds},
    ]
    if plan.reason:
        lines.append(reason_text(plan.reason, plan.reason_params))
    if plan.status == opt.INFEASIBLE:
        return lines
    before = result.before.covered if result.before else 0
    lines.append(
        _(
            "Members: %(total)s; served before %(before)s (%(bshare)s%%), after %(after)s "
            "(%(ashare)s%%)."
        )
        % {
            "total": result.total,
            "before": before,
            "bshare": result.share(before, result.total),
            "after": result.covered,
            "ashare": result.share(result.covered, result.total),
        }
    )
    if result.before is not None:
        today = set(result.before.chosen)
        if set(plan.chosen) == today:
            lines.append(_("The plan chose today's stations."))
        else:
            lines.append(
                _("The plan serves %(more)s more members than today's stations (%(n)s sites).")
                % {"more": result.covered - before, "n": len(today)}
            )
    for group, label in (
        (IN_PROVINCE, _("In the province")),
        (OUT_OF_PROVINCE, _("Out of the province")),
    ):
        total = result.total_by_group[group]
        if not total:  # no share of nobody ("None%" before)
            continue
        lines.append(
            _(
                "%(label)s: %(total)s members, before %(before)s%%, after %(after)s%%, target "
                "%(target)s%%."
            )
            % {
                "label": label,
                "total": total,
                "before": result.share(result.before_by_group[group], total),
                "after": result.share(result.covered_by_group[group], total),
                "target": result.targets.get(group, "-"),
            }
        )
    lines.append(_("Chosen sites:"))
    for s in result.sites:
        mark = _("new") if s.new else _("existing")
        lines.append(
            f"  {s.site.name} ({s.site.place}, {mark}): "
            + _("%(members)s members, %(full)s full")
            % {"members": s.members, "full": s.full_members}
        )
    if result.uncovered_clusters:
        lines.append(_("Not served, by prefecture:"))
        for _code, name, n in result.uncovered_clusters:
            lines.append(f"  {name}: {n}")
    if result.no_coordinates:
        lines.append(
            _("Places without coordinates (not planned for): %(n)s members")
            % {"n": sum(n for *_x, n in result.no_coordinates)}
        )
        for code, name, n in result.no_coordinates:
            lines.append(f"  {code} {name}: {n}")
    return lines
