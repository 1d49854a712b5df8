"""How the audit trail tells the ledger's events."""

from django.utils.translation import gettext_lazy as _

from liudong.core.events import register

register("member.create", _("{actor} added {object} to the ledger"))
register("member.update", _("{actor} edited the ledger entry of {object}"))
register("flow.register", _("{actor} registered a stay away: {object}"))
register("flow.update", _("{actor} updated a stay away: {object}"))
register("flow.check_in", _("{actor} recorded a check-in: {object}"))
register("flow.return", _("{actor} recorded a return home: {object}"))
register("flow.transfer", _("{actor} recorded a transfer of membership: {object}"))
register("flow.lost", _("{actor} marked as lost contact: {object}"))
register("flow.found", _("{actor} recorded contact found again: {object}"))
register("flow.suspend", _("{actor} recorded a suspended membership: {object}"))
register("contact.log", _("{actor} logged a contact: {object}"))
register("handoff.raise", _("{actor} sent a hand-off: {object}"))
register("handoff.done", _("{actor} answered a hand-off: {object}"))
register("handoff.refuse", _("{actor} refused a hand-off: {object}"))
register("alert.resolve", _("{actor} resolved an alert: {object}"))
register("alert.scan", _("The alert scan ran"))
register("alert.escalate", _("{actor} escalated an alert to the organization above: {object}"))
register("ledger.export", _("{actor} exported the ledger"))
register(
    "member.registered_elsewhere",
    _("{actor} entered a person registered elsewhere in the city: the city resolves it"),
)

# Transfers of membership as a queue (issue 12, item 5) and dismissed hand-offs (item 10).
register("transfer.start", _("{actor} sent a transfer of membership: {object}"))
register("transfer.accept", _("{actor} accepted a transfer of membership: {object}"))
register("transfer.refuse", _("{actor} refused a transfer of membership: {object}"))
register("transfer.confirm", _("{actor} confirmed the introduction letter was received: {object}"))
register("transfer.move", _("{actor} moved the membership of {object} to the receiving side"))
register("handoff.dismiss", _("{actor} dismissed a refused hand-off with a note: {object}"))
