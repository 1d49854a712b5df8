"""How the audit trail tells the stations' events."""

from django.utils.translation import gettext_lazy as _

from liudong.core.events import register

register("station.create", _("{actor} set up the station {object}"))
register("station.plan", _("{actor} planned the station {object}"))
register("station.update", _("{actor} changed the station {object}"))
register("station.relocate", _("{actor} moved the station {object} to a new address"))
register("station.suspend", _("{actor} suspended the station {object}"))
register("station.reopen", _("{actor} reopened the station {object}"))
register("station.close", _("{actor} closed the station {object}"))
register("station.open_planned", _("{actor} opened the planned station {object}"))
register("station.assign_staff", _("{actor} assigned staff to the station {object}"))
register("station.rotate_qr", _("{actor} renewed the QR code of the station {object}"))
register("station.establish_branch", _("{actor} set up the mobile branch of the station {object}"))
register("flow.register_self", _("{actor} registered their own stay away: {object}"))
register("checkin.request", _("{actor} asked to check in: {object}"))
register("checkin.confirm", _("{actor} confirmed a check-in: {object}"))
register("checkin.refuse", _("{actor} refused a check-in: {object}"))
register("checkin.cancel", _("{actor} cancelled a check-in: {object}"))
register("checkin.check_out", _("{actor} checked out: {object}"))
register("host_site.add", _("{actor} added the host site {object}"))
register("host_site.import", _("{actor} imported host sites"))
register("host_site.change", _("{actor} changed the host site {object}"))
