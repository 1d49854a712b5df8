"""How the audit trail tells the accounts' events (never the phone number or user name typed)."""

from django.utils.translation import gettext_lazy as _

from liudong.core.events import register

register("user.create", _("{actor} created the account {object}"))
register("user.update", _("{actor} edited the account {object}"))
register("user.create_for_member", _("An account was opened for the member {object}"))
register("user.two_factor_setup", _("{actor} began setting up two-step sign-in"))
register("user.two_factor_on", _("{actor} turned on two-step sign-in"))
register("user.two_factor_off", _("{actor} turned off two-step sign-in"))
register("user.token_issued", _("{actor} took a new API token"))
register("user.token_revoked", _("{actor} revoked their API token"))
register("phone_code.request", _("A sign-in code was sent by text message"))
register("phone_code.wrong", _("A wrong sign-in code was entered"))
register("phone_code.used", _("A sign-in code was used"))
