"""`liudong siting plan --k 8 --radius-km 30 [--scope CODE] [...]`: a plan, printed as the page
shows it (issue 15, item 4). Run as the system (the city's scope), or for one organization's
own members with ``--scope``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from liudong.core.errors import DomainError
from liudong.core.scope import SYSTEM
from liudong.members.models import Direction
from liudong.orgs.models import Organization
from liudong.siting import areas, planning
from liudong.siting import optimizer as opt
from liudong.siting.queries import Filters


class Command(BaseCommand):
    help = "The station-siting planner: propose where to open stations."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        plan = sub.add_parser("plan", help="solve a plan and print it")
        plan.add_argument("--k", type=int, required=True, help="new sites to choose at most")
        plan.add_argument("--radius-km", type=float, required=True, help="travel radius, km")
        plan.add_argument("--scope", default="", help="an organization's code (its own members)")
        plan.add_argument("--direction", choices=Direction.values, default=Direction.OUTFLOW)
        plan.add_argument("--status", action="append", default=[], help="flow status (repeat)")
        plan.add_argument(
            "--destination", default="", help="destination area: a province, city or county"
        )
        plan.add_argument(
            "--quota",
            action="append",
            default=[],
            help="a city and the least stations there, e.g. 6101:2 (repeat)",
        )
        plan.add_argument("--no-keep", action="store_true", help="existing stations not kept")
        plan.add_argument("--min-full", type=int, default=3)
        plan.add_argument("--time-limit", type=float, default=60.0)

    def handle(self, *args: Any, **options: Any) -> None:
        scope = None
        if options["scope"]:
            scope = Organization.objects.filter(code=options["scope"]).first()
            if scope is None:
                raise CommandError(f"No organization with code {options['scope']}.")
        try:
            destination = areas.destination_prefix(options["destination"])
            quotas = areas.quota_groups(areas.parse_quota_line(q) for q in options["quota"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        filters = Filters(
            direction=options["direction"],
            statuses=tuple(options["status"]),
            destination=destination,
            scope=scope,
        )
        kind = "liaison" if options["direction"] == Direction.OUTFLOW else "service"
        try:
            result = planning.run(
                SYSTEM,
                k=options["k"],
                radius_km=options["radius_km"],
                filters=filters,
                keep_existing=not options["no_keep"],
                min_full=options["min_full"],
                time_limit=options["time_limit"],
                kind=kind,
                quotas=tuple(opt.Quota(code, minimum) for code, minimum in quotas),
            )
        except opt.SitingInputError as exc:
            raise CommandError(planning.reason_text(exc.code, exc.params)) from exc
        for line in planning.text_lines(result):
            self.stdout.write(line)
        if result.plan.status == opt.INFEASIBLE:
            words = dict(result.plan.reason_params)
            if "group" in words:
                words["group"] = planning.quota_city_name(str(words["group"]))
            raise CommandError(planning.reason_text(result.plan.reason, words))
