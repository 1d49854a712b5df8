"""How the audit trail tells the service requests' events."""

from django.utils.translation import gettext_lazy as _

from liudong.core.events import register

register("service_request.submit", _("{actor} opened a service request: {object}"))
register("service_request.accept", _("{actor} accepted a service request: {object}"))
register("service_request.note", _("{actor} wrote a note on a service request: {object}"))
register("service_request.refer", _("{actor} referred a service request: {object}"))
register("service_request.resolve", _("{actor} resolved a service request: {object}"))
register("service_request.refuse", _("{actor} refused a service request: {object}"))
register("service_request.rate", _("{actor} rated a service request: {object}"))
register("service_request.attach", _("{actor} added a file to a service request: {object}"))
register("service_request.escalate", _("{actor} escalated an overdue service request: {object}"))
register("service_request.read_text", _("{actor} read the text of a service request: {object}"))
register("service_request.download", _("{actor} opened a file of a service request: {object}"))
