"""How the audit trail tells the kinds of events (also the fallback for verbs nobody phrased)."""

from django.utils.translation import gettext_lazy as _

from liudong.core.events import register

register("create", _("{actor} created {model} {object}"))
register("update", _("{actor} changed {model} {object}"))
register("delete", _("{actor} deleted {model} {object}"))
register("reveal", _("{actor} saw {model} {object} in full"))
register("export", _("{actor} exported {model} {object}"))
register("login", _("{actor} signed in"))
register("logout", _("{actor} signed out"))
register("login_failed", _("A sign-in with a wrong user name or password was refused"))
register("lockout", _("An account was locked after repeated failed sign-ins"))
register("action", _("{actor} worked on {model} {object}"))
register("denied", _("{actor} was refused access to {model} {object}"))
# Reveals of personal data: core.pii writes ``reveal.<field>``.
register("reveal.*", _("{actor} saw the full {field} of {object}"))
register("reveal.*:denied", _("{actor} asked to see the full {field} of {object}"))
register("audit.purge", _("The audit rows past the retention period were removed"))
register("keys.rotate", _("The personal data was encrypted again under the current key"))
