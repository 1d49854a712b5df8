"""Code tables (dictionaries, 字典): coded values used by forms, API, import and export."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from liudong.core.scope import ScopeRule


class CodeTable(models.Model):
    """A dictionary (字典): a named list of codes used by forms, API, import and export."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=80)
    standard = models.CharField(_("standard"), max_length=60, blank=True)
    extensible = models.BooleanField(_("administrators may add codes"), default=True)

    scope_rule = ScopeRule(public=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("code table")
        verbose_name_plural = _("code tables")

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("codes:table", args=[self.key])

    @property
    def label(self) -> str:
        return (self.name_en or self.name) if (get_language() or "").startswith("en") else self.name


class Code(models.Model):
    table = models.ForeignKey(
        CodeTable, verbose_name=_("code table"), on_delete=models.PROTECT, related_name="codes"
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=80)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)
    builtin = models.BooleanField(_("from the standard"), default=False, editable=False)

    scope_rule = ScopeRule(public=True)

    class Meta:
        ordering = ["table", "sort_order", "code"]
        verbose_name = _("code")
        verbose_name_plural = _("codes")
        constraints = [
            models.UniqueConstraint(fields=["table", "code"], name="code_unique_in_table"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    def get_absolute_url(self) -> str:
        return reverse("codes:table", args=[self.table.key])

    @property
    def label(self) -> str:
        return (self.name_en or self.name) if (get_language() or "").startswith("en") else self.name


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (no work)")
    WORKDAY = "adjusted_workday", _("Adjusted working day (a weekend day worked)")


class CalendarDay(models.Model):
    """A day that breaks the Monday–Friday rule: a public holiday on a weekday, or a weekend
    day made a working day (调休), as the State Council's yearly announcement says.

    Seeded from the ``chinesecalendar`` package for the years it covers; an administrator
    adds each new year's announcement (Django admin, or ``liudong calendar import``). A
    year without any row is worked Monday–Friday, and pages say the year is missing
    (:func:`liudong.codes.workdays.calendar_missing`).
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=60, blank=True)

    scope_rule = ScopeRule(public=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}".strip()
