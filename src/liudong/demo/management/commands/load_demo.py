"""Load places, code tables, the Pingliang demo tree and accounts; print the demo logins."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from liudong.demo import census, ledger, tree
from liudong.regions.models import Place


class Command(BaseCommand):
    help = "Load the Pingliang demo data set (idempotent: a second run reuses what exists)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="allow in production")
        parser.add_argument("--quiet-logins", action="store_true")
        parser.add_argument(
            "--members",
            type=int,
            default=ledger.FULL_TOTAL,
            help=f"size of the demo ledger (default {ledger.FULL_TOTAL}, the seed's figure)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION and not options["force"]:
            raise CommandError("Refusing to load demo data with LIUDONG_ENV=production.")
        if not Place.objects.exists():
            call_command("load_places", verbosity=options["verbosity"])
        call_command("load_codes", verbosity=0)
        logins = tree.build()
        started = time.perf_counter()
        counts = ledger.build_ledger(total=options["members"])
        self._print_counts(counts, time.perf_counter() - started)
        self._print_demo_round()
        census_round = census.build_census()
        self.stdout.write(
            f"Census: round “{census_round.name}” with "
            f"{census_round.submissions.count()} county submissions."
        )
        from liudong.demo.transfers import build_transfers

        build_transfers()
        from liudong.demo.statistics import build_demo as build_statistics

        made = build_statistics()
        self.stdout.write(
            f"Statistics: {made['targets']} coverage targets, {made['snapshots']} snapshots "
            "(a year of month-end demo history, then today's)."
        )
        from liudong.demo.activities import build_activities

        made_activities = build_activities()
        if made_activities:
            self.stdout.write(
                f"Activities: {made_activities['activities']} at the stations and branches, "
                f"{made_activities['attendance']} attendance, "
                f"{made_activities['sign_ups']} sign-ups."
            )
        from liudong.demo.cycle import build_cycle

        made_cycle = build_cycle()
        if made_cycle:
            self.stdout.write(
                f"Yearly cycle: {made_cycle['dues_settings']} dues settings, "
                f"{made_cycle['dues_payments']} payments, {made_cycle['appraisals']} appraisals."
            )
        from liudong.demo.notifications import build_notifications

        self.stdout.write(f"Notifications: {build_notifications()} sent.")
        from liudong.demo.siting import build_host_sites, build_plans

        self.stdout.write(f"Siting: {build_host_sites()} candidate host sites.")
        from liudong.demo.voice import build_voice, department_logins

        voice = build_voice()
        logins = [*logins, *department_logins()]
        if voice:
            self.stdout.write(
                f"Members' voice: {voice['suggestions']} suggestions from the stations' opening "
                f"meetings, {voice['departments']} county departments, {voice['notices']} "
                f"notices ({voice['reads']} read marks), {voice['openings']} job openings "
                f"({voice['interest']} members interested)."
            )
        self.stdout.write(f"Siting: {build_plans()} saved plans.")
        if options["quiet_logins"]:
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready. Demo logins (password for all: {tree.DEMO_PASSWORD}):"
            )
        )
        for login in logins:
            self.stdout.write(f"  {login.username:<14} {login.role:<17} {login.organization}")
        self._print_member_phones()

    def _print_demo_round(self) -> None:
        from liudong.census import queries
        from liudong.census.models import CensusRound
        from liudong.core.scope import SYSTEM
        from liudong.demo.census_import import ROUND_NAME

        found = CensusRound.objects.filter(name=ROUND_NAME).first()
        if found is None:  # a ledger loaded before the demo entered through the census
            return
        (figures,) = queries.round_figures(SYSTEM, [found])
        files = found.submissions.filter(state="committed").count()
        self.stdout.write(
            f"Census: the ledger entered through round “{found.name}”: {files} county files "
            f"committed, {figures.members_found} members found"
            f"{' (complete)' if figures.complete else ''}."
        )

    def _print_member_phones(self) -> None:
        from liudong.accounts.models import Role, User
        from liudong.stations.models import CheckIn

        self.stdout.write(
            self.style.SUCCESS(
                "Members sign in by phone at /accounts/phone/ (the one-time code is printed "
                "in this console by the console sender):"
            )
        )
        for user in User.objects.filter(role=Role.MEMBER, username__startswith="member_").order_by(
            "username"
        ):
            latest = CheckIn.objects.filter(member__user=user).select_related("station").first()
            state = f"{latest.get_status_display()} @ {latest.station.name}" if latest else "-"
            self.stdout.write(f"  {user.username:<14} {user.phone:<13} check-in: {state}")

    def _print_counts(self, counts: dict[str, int], seconds: float) -> None:
        c = counts
        self.stdout.write(
            f"Ledger ({seconds:.1f} s): {c['members']} members with an open flow record: "
            f"{c['outflow_station_cities']} outflow to the station cities, {c['inflow']} inflow, "
            f"{c['outflow_elsewhere']} outflow elsewhere."
        )
        self.stdout.write(
            f"  open records: {c['open_registered']} registered, {c['open_managed']} managed, "
            f"{c['open_lost']} lost contact; closed earlier: {c['closed_returned']} returned, "
            f"{c['closed_transferred']} transferred, {c['closed_suspended']} suspended"
        )
        self.stdout.write(
            f"  {c['contacts']} contacts; hand-offs: {c['handoffs_open']} open, "
            f"{c['handoffs_done']} done, {c['handoffs_refused']} refused; "
            f"{c['alerts_open']} open alerts"
        )
