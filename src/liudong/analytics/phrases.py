"""How the audit trail tells the statistics' events."""

from django.utils.translation import gettext_lazy as _

from liudong.core.events import register

register("coverage_target.set", _("{actor} set the coverage target {object}"))
register("coverage_target.delete", _("{actor} removed the coverage target {object}"))
register("analytics.snapshot", _("The statistics snapshots were taken"))
register("analytics.rebuild_tally", _("{actor} rebuilt the statistics tallies"))
