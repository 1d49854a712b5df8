"""Run a plan and save it, delete it, turn it into planned stations (issue 15, items 3 and 6).

Who may plan: the city for the city, a county for its own members (the running side of
stations: an administrator of a committee, ``stations.actions.require_running_side``). The
saved results are aggregated by place; no member is named in them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.core import audit
from liudong.core.errors import DomainError, ScopeError
from liudong.core.scope import CHANGE, ScopeKind, may, scope_of
from liudong.members.models import Direction
from liudong.orgs.models import Organization
from liudong.regions.models import Place
from liudong.siting import areas, planning
from liudong.siting import optimizer as opt
from liudong.siting.models import SitingPlan
from liudong.siting.queries import IN_PROVINCE, OUT_OF_PROVINCE, Filters, candidate_sites
from liudong.stations import actions as stations
from liudong.stations.actions.stations import require_running_side
from liudong.stations.models import HostSite, Station, StationKind, StationStatus

MAX_TIME_LIMIT = 300.0


@dataclass(frozen=True)
class PlanParams:
    k: int
    radius_km: float
    direction: str = Direction.OUTFLOW
    statuses: tuple[str, ...] = ()
    destination: str = ""
    keep_existing: bool = True
    min_full: int = 3
    time_limit: float = 60.0
    # per-city quotas ("县级联动"): (city code, least stations there), kept ones counting
    quotas: tuple[tuple[str, int], ...] = ()

    @property
    def kind(self) -> str:
        return StationKind.LIAISON if self.direction == Direction.OUTFLOW else StationKind.SERVICE

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["statuses"] = list(self.statuses)
        out["quotas"] = [[code, minimum] for code, minimum in self.quotas]
        out["kind"] = self.kind
        return out


def owner_of(by: Any) -> Organization:
    """The organization a user plans for: the city for those who see the whole city (the
    city's administrators, the system), else their own organization (a county)."""
    org = None if scope_of(by).kind == ScopeKind.ALL else getattr(by, "organization", None)
    if org is None:
        org = Organization.objects.filter(parent__isnull=True).order_by("pk").first()
    if org is None:
        raise DomainError("no_organization", _("There is no organization to plan for."))
    return org


def _require_planner(by: Any, organization: Organization) -> None:
    require_running_side(by, organization)


def _check(params: PlanParams) -> None:
    if params.direction not in (Direction.OUTFLOW, Direction.INFLOW):
        raise DomainError("invalid_direction", _("Choose outflow or inflow."), "direction")
    if params.k < 1:
        raise DomainError("bad_k", _("K must be at least 1."), "k")
    if not params.radius_km > 0:
        raise DomainError("bad_radius", planning.reason_text("bad_radius", {}), "radius_km")
    if params.min_full < 0:
        raise DomainError("bad_min_full", _("The minimum cannot be negative."), "min_full")
    if not 0 < params.time_limit <= MAX_TIME_LIMIT:
        raise DomainError(
            "bad_time_limit",
            _("The time limit is from 1 to %(max)d seconds.") % {"max": int(MAX_TIME_LIMIT)},
            "time_limit",
        )


INPUT_FIELDS = {"bad_k": "k", "k_too_large": "k", "bad_radius": "radius_km"}


def resolved(params: PlanParams) -> PlanParams:
    """The destination as a code prefix and the quotas by city code (unknown ones refused in
    words, naming the field); what the saved plan keeps."""
    return replace(
        params,
        destination=areas.destination_prefix(params.destination),
        quotas=areas.quota_groups(params.quotas),
    )


def _infeasible(plan: opt.Plan) -> DomainError:
    """The model's refusal in words; a quota's city by its name, on the quotas' field."""
    words = dict(plan.reason_params)
    if "group" in words:
        words["group"] = planning.quota_city_name(str(words["group"]))
    field = "quotas" if "quota" in (plan.reason or "") else None
    return DomainError(plan.reason or "infeasible", planning.reason_text(plan.reason, words), field)


def _results(result: planning.Result, sites: list[Any]) -> dict[str, Any]:
    """The plan's results, aggregated by place (JSON for the saved plan)."""
    plan = result.plan
    chosen = set(plan.chosen)
    prefectures = {code for code, _name, _n in result.uncovered_clusters}
    where = {
        p.code: (p.lng, p.lat)
        for p in Place.objects.filter(code__in=prefectures).only("code", "lng", "lat")
    }
    groups = {}
    for group in (IN_PROVINCE, OUT_OF_PROVINCE):
        groups[group] = {
            "total": result.total_by_group[group],
            "before": result.before_by_group[group] if result.before is not None else None,
            "after": result.covered_by_group[group],
            "target": result.targets.get(group),
        }
    today = set(result.before.chosen) if result.before is not None else set()
    return {
        "reason": planning.reason_text(plan.reason, plan.reason_params) if plan.reason else "",
        "bound": plan.bound,
        "groups": groups,
        "today_sites": len(today),
        "same_as_today": bool(today) and set(plan.chosen) == today,
        "sites": [
            {
                "id": s.site.candidate.id,
                "host_site": s.site.host_site,
                "name": s.site.name,
                "kind": s.site.kind,
                "place": s.site.place,
                "lng": s.site.candidate.lng,
                "lat": s.site.candidate.lat,
                "capacity": s.site.candidate.capacity,
                "members": s.members,
                "full_members": s.full_members,
                "new": s.new,
                "station": s.site.station,
            }
            for s in result.sites
        ],
        "candidates": [
            {
                "id": s.candidate.id,
                "name": s.name,
                "lng": s.candidate.lng,
                "lat": s.candidate.lat,
                "existing": s.candidate.existing,
                "chosen": s.candidate.id in chosen,
            }
            for s in sites
        ],
        "uncovered": [
            {
                "code": code,
                "name": name,
                "members": n,
                "lng": where.get(code, (None, None))[0],
                "lat": where.get(code, (None, None))[1],
            }
            for code, name, n in result.uncovered_clusters
        ],
        "no_coordinates": [
            {"code": code, "name": name, "members": n} for code, name, n in result.no_coordinates
        ],
    }


def run_plan(
    *, by: Any, name: str, params: PlanParams, organization: Organization | None = None
) -> SitingPlan:
    """Solve a plan for ``organization`` (by default the one ``by`` plans for: the city, or
    their county's own members) and save it (audited). Bad input raises a
    :class:`DomainError` naming the field; an infeasible model is refused with its reason."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise DomainError("invalid_name", _("Name the plan (at most 120 characters)."), "name")
    organization = organization or owner_of(by)
    _require_planner(by, organization)
    _check(params)
    params = resolved(params)
    scope = organization if organization.parent_id is not None else None
    filters = Filters(
        direction=params.direction,
        statuses=tuple(params.statuses),
        destination=params.destination,
        scope=scope,
    )
    try:
        result = planning.run(
            by,
            k=params.k,
            radius_km=params.radius_km,
            filters=filters,
            keep_existing=params.keep_existing,
            min_full=params.min_full,
            time_limit=params.time_limit,
            kind=params.kind,
            quotas=tuple(opt.Quota(code, minimum) for code, minimum in params.quotas),
        )
    except opt.SitingInputError as exc:
        raise DomainError(
            exc.code, planning.reason_text(exc.code, exc.params), INPUT_FIELDS.get(exc.code)
        ) from exc
    plan = result.plan
    if plan.status == opt.INFEASIBLE:
        raise _infeasible(plan)
    sites = candidate_sites(
        scope, keep_existing=params.keep_existing, kind=params.kind, within=filters.destination
    )
    with transaction.atomic(), audit.action("siting_plan.run", actor=by):
        return SitingPlan.objects.create(
            name=name,
            organization=organization,
            k=params.k,
            radius_km=params.radius_km,
            params=params.as_json(),
            status=plan.status,
            method=plan.method,
            gap=plan.gap,
            solve_seconds=round(plan.solve_seconds, 3),
            total=result.total,
            covered=result.covered,
            covered_before=result.before.covered if result.before is not None else None,
            results=_results(result, sites),
            created_by=by if getattr(by, "pk", None) else None,
        )


def _require_change(by: Any, plan: SitingPlan) -> None:
    require_running_side(by, plan.organization)
    if not may(by, plan, CHANGE):
        raise ScopeError("not_found", _("Not found, or not within your organization's scope."))


@transaction.atomic
def delete_plan(*, by: Any, plan: SitingPlan) -> None:
    _require_change(by, plan)
    with audit.action("siting_plan.delete", actor=by):
        plan.delete()


def station_code(plan: SitingPlan, site: HostSite) -> str:
    return f"{plan.organization.code}-SP{plan.pk}-{site.pk}"[:32]


@transaction.atomic
def convert_plan(*, by: Any, plan: SitingPlan) -> list[Station]:
    """The plan's new sites become planned stations run by the plan's organization, through
    the stations app's own action (audited); refused once done, and for a site that hosts
    a station already (nothing is written then)."""
    _require_change(by, plan)
    plan = SitingPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.converted_at is not None:
        raise DomainError(
            "already_converted", _("This plan has been turned into planned stations already.")
        )
    new = plan.new_sites
    if not new:
        raise DomainError("nothing_to_convert", _("The plan chose no new site."))
    hosts = {
        h.pk: h
        for h in HostSite.objects.select_related("place").filter(
            pk__in=[s["host_site"] for s in new]
        )
    }
    taken = set(
        Station.objects.exclude(status=StationStatus.CLOSED)
        .filter(host_site__in=list(hosts))
        .values_list("host_site_id", flat=True)
    )
    missing = [s["name"] for s in new if s["host_site"] not in hosts]
    busy = [s["name"] for s in new if s["host_site"] in taken]
    if missing or busy:
        raise DomainError(
            "site_taken",
            _("These sites host a station already or are gone: %(sites)s.")
            % {"sites": ", ".join(missing + busy)},
        )
    kind = plan.params.get("kind", StationKind.LIAISON)
    made = []
    with audit.action("siting_plan.convert", actor=by):
        for row in new:
            site = hosts[row["host_site"]]
            made.append(
                stations.create_station(
                    by=by,
                    organization=plan.organization,
                    place=site.place,
                    host_site=site,
                    code=station_code(plan, site),
                    name=(_("%(site)s mobile party member station") % {"site": site.name})[:120],
                    kind=kind,
                    status=StationStatus.PLANNED,
                    address=site.address or site.place.name,
                    lng=site.lng,
                    lat=site.lat,
                )
            )
        plan.converted_at = timezone.now()
        plan.save(update_fields=["converted_at"])
    return made
