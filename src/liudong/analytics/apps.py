from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "liudong.analytics"
    label = "analytics"
    verbose_name = _("Statistics")

    def ready(self) -> None:
        from liudong.analytics.models import CoverageTarget, FlowTally, FlowTallyDay, Snapshot
        from liudong.core import audit

        audit.register(CoverageTarget)
        audit.register(Snapshot)
        # Written by triggers and the audited rebuild, not through the ORM's signals.
        audit.register(FlowTally)
        audit.register(FlowTallyDay)

        from django.db.models.signals import post_delete, post_save

        from liudong.analytics.figures import bump_version
        from liudong.members.models import FlowRecord

        # A ledger write makes the cached dashboard figures stale (bulk writes: the TTL).
        post_save.connect(bump_version, sender=FlowRecord, dispatch_uid="analytics-flow-save")
        post_delete.connect(bump_version, sender=FlowRecord, dispatch_uid="analytics-flow-del")
        # A station opened, moved, suspended or closed changes the map's markers and the
        # station figures (issue 13, item 1).
        from liudong.stations.models import Station

        post_save.connect(bump_version, sender=Station, dispatch_uid="analytics-station-save")
        # A census file committed (or its state changed) may complete a round: the
        # dashboard's members_found is the latest complete round's (decision 102).
        from liudong.census.models import CensusSubmission

        post_save.connect(
            bump_version, sender=CensusSubmission, dispatch_uid="analytics-census-save"
        )
