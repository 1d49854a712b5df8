"""How the audit trail tells the cycle's events."""

from django.utils.translation import gettext_lazy as _

from liudong.core.events import register

register("dues.bracket", _("{actor} changed a line of the dues rule: {object}"))
register("dues.set", _("{actor} set where and how much a member pays in dues: {object}"))
register("dues.pay", _("{actor} recorded a dues payment: {object}"))
register("dues.statement", _("{actor} downloaded a dues statement: {object}"))
register("appraisal.window", _("{actor} set the appraisal window: {object}"))
register("appraisal.input", _("{actor} gave appraisal input: {object}"))
register("appraisal.result", _("{actor} recorded an appraisal result: {object}"))
