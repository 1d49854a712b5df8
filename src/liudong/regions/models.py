"""GB/T 2260 places: provinces, prefectures and counties with centroids."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liudong.core.scope import ScopeRule


class Level(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    PREFECTURE = 2, _("Prefecture")
    COUNTY = 3, pgettext_lazy("place level", "County")


class Place(models.Model):
    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=64, db_index=True)
    short_name = models.CharField(_("short name"), max_length=64, db_index=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    pinyin = models.CharField(_("pinyin"), max_length=200, blank=True, db_index=True)

    # Places are public reference data: every signed-in user reads all of them.
    scope_rule = ScopeRule(public=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("place")
        verbose_name_plural = _("places")

    def __str__(self) -> str:
        return self.name

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def prefecture_code(self) -> str:
        return self.code[:4] + "00"

    def ancestors(self) -> list[Place]:
        chain: list[Place] = []
        node = self.parent
        while node is not None:
            chain.insert(0, node)
            node = node.parent
        return chain

    @property
    def full_name(self) -> str:
        # Municipalities repeat their name one level down (北京市 110000 → 北京市 110100):
        # write it once.
        names: list[str] = []
        for place in [*self.ancestors(), self]:
            if not names or names[-1] != place.name:
                names.append(place.name)
        return "".join(names)
