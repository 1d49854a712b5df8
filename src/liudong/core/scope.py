"""The scope gate: one place that decides which rows a user may see.

Every model that holds data declares a ``scope_rule``: how it reaches the organization
tree (lookups ending at an organization's materialized path), which user owns it (for the
member's "self" scope), or that it is public reference data (places, code tables).
Views, the API, exports, the admin and background jobs all call :func:`visible_to`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

# The user model (settings.AUTH_USER_MODEL): core names it without importing accounts.
User = Any


@dataclass(frozen=True)
class ScopeRule:
    """How rows of a model reach the organization tree.

    ``paths``: lookups that end at an organization path string ("path",
    "organization__path", "org_path"); a row is visible when any of them lies in the
    viewer's subtree (co-management: a row may belong to two sides).
    ``owner``: lookup to the user the row belongs to, for the self scope.
    ``public``: reference data every signed-in user may read.
    """

    paths: tuple[str, ...] = ()
    owner: str | None = None
    public: bool = False


class ScopeKind(StrEnum):
    ALL = "all"
    SUBTREE = "subtree"  # own organization and below (plus custom extra organizations)
    SELF = "self"
    NONE = "none"


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    roots: tuple[str, ...] = field(default_factory=tuple)  # organization paths
    user_id: int | None = None

    def covers_path(self, path: str | None) -> bool:
        if self.kind == ScopeKind.ALL:
            return True
        if self.kind != ScopeKind.SUBTREE or not path:
            return False
        return any(path.startswith(root) for root in self.roots)


NO_SCOPE = Scope(ScopeKind.NONE)


def rule_for(model: type[Model]) -> ScopeRule:
    rule = getattr(model, "scope_rule", None)
    if not isinstance(rule, ScopeRule):
        raise ImproperlyConfigured(
            f"{model._meta.label} has no scope_rule: every model read by users must declare "
            "how it reaches the organization tree (liudong.core.scope.ScopeRule)."
        )
    return rule


def scope_of(user: User | Any) -> Scope:
    """The scope of a user, derived from their role and organization."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, "_liudong_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    user._liudong_scope = scope
    return scope


def _compute_scope(user: User) -> Scope:
    from liudong.core.roles import Role

    if user.is_superuser or user.role == Role.CITY_ADMIN:
        return Scope(ScopeKind.ALL, user_id=user.pk)
    if user.role == Role.MEMBER:
        return Scope(ScopeKind.SELF, user_id=user.pk)
    if user.organization_id is None:
        return Scope(ScopeKind.NONE, user_id=user.pk)
    roots = [user.organization.path]
    roots += [org.path for org in user.extra_organizations.all()]
    # A root below another root adds nothing; keep the list minimal for the query.
    roots = sorted(set(roots), key=len)
    minimal: list[str] = []
    for root in roots:
        if not any(root.startswith(kept) for kept in minimal):
            minimal.append(root)
    return Scope(ScopeKind.SUBTREE, roots=tuple(minimal), user_id=user.pk)


def scope_filter(scope: Scope, rule: ScopeRule) -> Q | None:
    """The filter for a scope and rule; None means everything."""
    if rule.public:
        return None if scope.kind != ScopeKind.NONE else Q(pk__in=[])
    if scope.kind == ScopeKind.ALL:
        return None
    condition = Q(pk__in=[])
    if scope.kind == ScopeKind.SUBTREE:
        for lookup in rule.paths:
            for root in scope.roots:
                condition |= Q(**{f"{lookup}__startswith": root})
    # The owner condition is the member's "self" scope. Staff see their own rows through
    # their subtree already; adding it for them would only join more tables.
    if rule.owner and scope.user_id is not None and scope.kind == ScopeKind.SELF:
        condition |= Q(**{rule.owner: scope.user_id})
    return condition


def gate_key(user: User | Any) -> tuple[str, tuple[str, ...], int | None]:
    """Everything :func:`scope_filter` reads of a user's scope, for keys of compiled
    reads (``liudong.core.compiled``): the kind, the roots, and the user for the self
    scope (the only one whose condition names the user). Users with the same key get the
    same condition on every model."""
    scope = scope_of(user)
    return (str(scope.kind), scope.roots, scope.user_id if scope.kind == ScopeKind.SELF else None)


def visible_to(user: User | Any, queryset: QuerySet) -> QuerySet:
    """The rows of ``queryset`` the user may see. The one gate every read goes through."""
    condition = scope_filter(scope_of(user), rule_for(queryset.model))
    if condition is None:
        return queryset
    return queryset.filter(condition)


def can_see(user: User | Any, obj: Model) -> bool:
    model = type(obj)
    return visible_to(user, model._default_manager.filter(pk=obj.pk)).exists()


def get_visible_or_404(user: User | Any, queryset: QuerySet, **lookup: Any) -> Model:
    """One visible object, or a 404 that does not tell whether it exists elsewhere."""
    try:
        return visible_to(user, queryset).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("Not found, or not within your organization's scope.")) from exc
