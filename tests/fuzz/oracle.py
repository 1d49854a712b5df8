"""What a signed-in user must never be shown: the scope gate's rules, read independently.

The API answers through :func:`liudong.core.scope.visible_to` (the fast form, ids against
indexes). This oracle reads the same declared rules the slow, obvious way
(:func:`rule_for(model).paths` against the user's organization path, or ``owner`` against
the user for the self scope) and lists every row outside them, per model: an id of one of
them in an answer is a leak. A member's personal data (masked ID and mobile numbers, name)
may appear only when the member, or a row in scope that names them, is within scope.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Any

from django.apps import apps
from django.db.models import Model, Q, QuerySet

from liudong.core.roles import Role
from liudong.core.scope import rule_for


def scoped_models() -> list[type[Model]]:
    return [
        model
        for model in apps.get_models()
        if model.__module__.startswith("liudong.")
        and getattr(model, "scope_rule", None) is not None
        and not rule_for(model).public
    ]


class Oracle:
    """Rows and personal data outside one user's scope, from the declared rules."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.self_scope = user.role in (Role.MEMBER, Role.DEPARTMENT)
        roots = [user.organization.path] if user.organization_id else []
        roots += [org.path for org in user.extra_organizations.all()]
        self.roots = roots

    def condition(self, model: type[Model]) -> Q:
        rule = rule_for(model)
        condition = Q(pk__in=[])
        if self.self_scope:
            owners = (rule.owner,) if isinstance(rule.owner, str) else rule.owner or ()
            for owner in owners:
                condition |= Q(**{owner: self.user.pk})
            return condition
        for lookup in rule.paths:
            for root in self.roots:
                condition |= Q(**{f"{lookup}__startswith": root})
        return condition

    def allowed(self, model: type[Model]) -> QuerySet:
        return model._default_manager.filter(self.condition(model))

    @cached_property
    def forbidden(self) -> dict[type[Model], frozenset[int]]:
        """Per scoped model, the ids of rows outside the user's scope."""
        found = {}
        for model in scoped_models():
            manager = model._default_manager
            found[model] = frozenset(
                manager.exclude(self.condition(model)).values_list("pk", flat=True)
            )
        return found

    def allowed_ids(self, model: type[Model], limit: int = 8) -> list[int]:
        """A spread of ids in scope (the first, the last and some between)."""
        ids = list(self.allowed(model).order_by("pk").values_list("pk", flat=True))
        if len(ids) <= limit:
            return ids
        step = len(ids) / limit
        return [ids[int(i * step)] for i in range(limit - 1)] + [ids[-1]]

    def forbidden_ids(self, model: type[Model], limit: int = 4) -> list[int]:
        return sorted(self.forbidden.get(model, ()))[:limit]

    @cached_property
    def foreign_personal_data(self) -> frozenset[str]:
        """Masked ID and mobile numbers and names of members the user may not see."""
        from liudong.members.models import Member

        reachable = set(self.allowed(Member).values_list("pk", flat=True))
        for model in scoped_models():
            for field in model._meta.concrete_fields:
                if field.is_relation and field.related_model is Member:
                    rows = self.allowed(model).exclude(**{f"{field.name}__isnull": True})
                    reachable.update(rows.values_list(field.attname, flat=True))
        seen = set()
        for values in Member.objects.filter(pk__in=reachable).values_list(
            "name", "id_number_masked", "phone_masked"
        ):
            seen.update(values)
        hidden = set()
        for values in Member.objects.exclude(pk__in=reachable).values_list(
            "name", "id_number_masked", "phone_masked"
        ):
            hidden.update(v for v in values if v and len(v) >= 2)
        # A name two people share is no leak (nor is the name of a user of the same name).
        from django.contrib.auth import get_user_model

        names = set(get_user_model().objects.values_list("display_name", flat=True))
        return frozenset(hidden - seen - names)


def strings(value: Any) -> Iterator[str]:
    """Every string anywhere in a JSON value (keys excluded)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
