"""The scope gate: one place that decides which rows a user may see, change or act on.

Every model that holds data declares a ``scope_rule``: how it reaches the organization
tree (lookups ending at an organization's materialized path), which user owns it (for the
member's "self" scope), or that it is public reference data (places, code tables).
Views, the API, exports, the admin and background jobs all call :func:`visible_to`.

The rule also says who may change a row and who may do a named act on it (the section
"may change and named acts" below): :func:`restrict`, :func:`may`, :func:`get_or_404`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import Model, Q, QuerySet
from django.db.models.signals import post_delete, post_save
from django.http import Http404
from django.utils.translation import gettext as _

# The user model (settings.AUTH_USER_MODEL): core names it without importing accounts.
User = Any


@dataclass(frozen=True)
class First:
    """The first of these organization-path lookups that is set: the keeping side of a row.
    ``First("home_organization__path", "inflow_organization__path")`` is the home side, or
    the inflow side for a member from elsewhere (who has no home organization here)."""

    lookups: tuple[str, ...]

    def __init__(self, *lookups: str) -> None:
        object.__setattr__(self, "lookups", tuple(lookups))


Side = str | First


@dataclass(frozen=True)
class ScopeRule:
    """How rows of a model reach the organization tree.

    ``paths``: lookups that end at an organization path string ("path",
    "organization__path", "org_path"); a row is visible when any of them lies in the
    viewer's subtree (co-management: a row may belong to two sides).
    ``owner``: lookup to the user the row belongs to, for the self scope; several lookups
    (a tuple) when more than one user may own a row in that sense (a suggestion: the member
    who made it, and the users of the department it is routed to).
    ``public``: reference data every signed-in user may read.
    ``change``: the sides that may change a row (see :func:`restrict`); ``None`` means not
    declared, which the gate refuses for any model that is not public.
    ``acts``: named acts and the sides that may do them (co-management: the station side
    records contacts and answers check-ins, but only the home side changes master data).
    """

    paths: tuple[str, ...] = ()
    owner: str | tuple[str, ...] | None = None
    public: bool = False
    change: tuple[Side, ...] | None = None
    acts: Mapping[str, tuple[Side, ...]] = field(default_factory=dict, hash=False)


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
    if user is SYSTEM:
        return ALL_SCOPE
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
    if user.role in (Role.MEMBER, Role.DEPARTMENT):
        # A department user belongs to a county but sees only what is routed to their
        # department (rows that name them through ``owner``), never the county's subtree.
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
        for owner in (rule.owner,) if isinstance(rule.owner, str) else rule.owner:
            condition |= Q(**{owner: scope.user_id})
    return condition


def gate_key(user: User | Any) -> tuple[str, tuple[str, ...], int | None]:
    """Everything :func:`scope_filter` reads of a user's scope, for keys of compiled
    reads (``liudong.core.compiled``): the kind, the roots, and the user for the self
    scope (the only one whose condition names the user). Users with the same key get the
    same condition on every model."""
    scope = scope_of(user)
    return (str(scope.kind), scope.roots, scope.user_id if scope.kind == ScopeKind.SELF else None)


def visible_to(user: User | Any, queryset: QuerySet) -> QuerySet:
    """The rows of ``queryset`` the user may see. The one gate every read goes through.

    A subtree scope's condition is written in the fast form (below): the foreign keys
    against the subtree's ids, which the indexes answer, instead of the paths through joins.
    """
    scope = scope_of(user)
    rule = rule_for(queryset.model)
    if scope.kind != ScopeKind.SUBTREE or rule.public:
        condition = scope_filter(scope, rule)
    else:
        condition = Q(pk__in=[])
        for lookup in rule.paths:
            condition |= _lookup_condition(user, queryset.model, lookup, scope.roots)
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


# --- the fast form: a subtree as id-lists -------------------------------------------------
#
# A scope rule's lookup that ends at a tree model's path through a foreign key
# ("home_organization__path", "station__organization__path") says the same as that foreign
# key against the ids of the subtree ("home_organization IN (ids)"): the database answers
# the second from the foreign key's index (and a count from an index alone), while the
# first joins the tree on every row and, OR-ed across two sides, defeats every index.
# The gate writes its own conditions this way (visible_to, restrict); nothing else
# restates them. The ids are read once per user object and tree change (one small indexed
# query); a subtree of more than FAST_MAX_IDS nodes keeps the path form, as does SQL kept
# beyond a request (``path_form``: core.compiled keeps statements per gate key, and ids
# written into them would go stale as the tree grows).

FAST_MAX_IDS = 2000
_path_form: ContextVar[bool] = ContextVar("liudong_scope_path_form", default=False)
_tree_generation = [0]  # bumped when any tree model's row is saved or deleted (this process)
_watched: set[str] = set()


@contextmanager
def path_form() -> Iterator[None]:
    """Inside, the gate writes subtree conditions as path comparisons, never id-lists."""
    token = _path_form.set(True)
    try:
        yield
    finally:
        _path_form.reset(token)


def _tree_changed(**kwargs: Any) -> None:
    _tree_generation[0] += 1


def fast_lookup(model: type[Model], lookup: str) -> tuple[str, type[Model]] | None:
    """For a lookup ``a__b__path`` whose last step ``b`` is a foreign key to a model with a
    ``path`` field: ``("a__b", that model)``; None for any other lookup (a path column of
    the row itself, such as the tree's own ``path`` or the audit trail's ``org_path``)."""
    *steps, last = lookup.split("__")
    if not steps or last != "path":
        return None
    current: Any = model
    relation: Any = None
    for name in steps:
        try:
            relation = current._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not relation.is_relation or relation.related_model is None:
            return None
        current = relation.related_model
    if not (relation.many_to_one or (relation.one_to_one and relation.concrete)):
        return None
    try:
        current._meta.get_field("path")
    except FieldDoesNotExist:
        return None
    return "__".join(steps), current


def subtree_ids(user: User | Any, tree: type[Model], roots: tuple[str, ...]) -> list[Any] | None:
    """The ids of ``tree``'s rows under ``roots``, kept on the user object until the tree
    changes; None when there are more than FAST_MAX_IDS (the path form is then cheaper)."""
    label = tree._meta.label
    if label not in _watched:
        post_save.connect(_tree_changed, sender=tree, dispatch_uid=f"scope-fast-{label}")
        post_delete.connect(_tree_changed, sender=tree, dispatch_uid=f"scope-fast-d-{label}")
        _watched.add(label)
    cache = getattr(user, "_liudong_subtree_ids", None)
    if cache is None or cache[0] != _tree_generation[0]:
        cache = (_tree_generation[0], {})
        with suppress(AttributeError):  # an actor that keeps no attributes: read each time
            user._liudong_subtree_ids = cache
    key = (tree._default_manager.db, label, roots)
    if key not in cache[1]:
        condition = Q(pk__in=[])
        for root in roots:
            condition |= Q(path__startswith=root)
        found = list(
            tree._default_manager.filter(condition)
            .order_by("pk")
            .values_list("pk", flat=True)[: FAST_MAX_IDS + 1]
        )
        cache[1][key] = found if len(found) <= FAST_MAX_IDS else None
    return cache[1][key]


def _lookup_condition(
    user: User | Any,
    model: type[Model],
    lookup: str,
    roots: tuple[str, ...],
    *,
    unset: bool = False,
) -> Q:
    """``lookup`` lies under one of ``roots`` (``unset``: the lookup is not set), in the fast
    form where the lookup allows it and the subtree is small enough."""
    fast = None if _path_form.get() else fast_lookup(model, lookup)
    if fast is not None:
        relation, tree = fast
        if unset:
            return Q(**{f"{relation}__isnull": True})
        ids = subtree_ids(user, tree, roots)
        if ids is not None:
            return Q(**{f"{relation}__in": ids})
    if unset:
        return Q(**{f"{lookup}__isnull": True})
    condition = Q(pk__in=[])
    for root in roots:
        condition |= Q(**{f"{lookup}__startswith": root})
    return condition


# --- may change and named acts ------------------------------------------------------------
#
# NetBox's ``RestrictedQuerySet.restrict(user, action)``, on the same rule: "view" is the
# rule's ``paths`` (plus the owner for the self scope); "change" is its ``change`` sides;
# any other action is a named act of ``acts``. The city's scope may do everything; the self
# scope (a member) and no scope may change nothing through the gate (a member's own acts,
# such as asking to check in, are the actions' business); ``change=()`` means nobody, not
# even the city (rows written by jobs only, or append-only). Public reference data is changed
# by whoever may read it: the role's capabilities decide there, not the tree.

VIEW = "view"
CHANGE = "change"


def sides_for(rule: ScopeRule, action: str, model: type[Model] | None = None) -> tuple[Side, ...]:
    """The sides of a rule that may do ``action`` (not "view")."""
    label = model._meta.label if model is not None else "this model"
    if action == CHANGE:
        if rule.change is None:
            raise ImproperlyConfigured(
                f"{label} declares no change rule: say in its ScopeRule(change=...) which "
                "side may change its rows (an empty tuple: nobody through the gate)."
            )
        return rule.change
    try:
        return rule.acts[action]
    except KeyError:
        raise ImproperlyConfigured(f"{label} declares no act named {action!r}.") from None


def _side_condition(user: User | Any, model: type[Model], side: Side, roots: tuple[str, ...]) -> Q:
    condition = Q(pk__in=[])
    lookups = side.lookups if isinstance(side, First) else (side,)
    unset = Q()
    for lookup in lookups:
        condition |= unset & _lookup_condition(user, model, lookup, roots)
        # the next lookup counts only when this one is unset
        unset &= _lookup_condition(user, model, lookup, roots, unset=True)
    return condition


def restrict(user: User | Any, queryset: QuerySet, action: str = VIEW) -> QuerySet:
    """The rows of ``queryset`` the user may ``action``: "view", "change" or a named act."""
    if action == VIEW:
        return visible_to(user, queryset)
    if rule_for(queryset.model).public:
        return visible_to(user, queryset)
    return queryset.filter(allowed(user, queryset.model, action))


def allowed(user: User | Any, model: type[Model], action: str) -> Q:
    """The gate's condition for ``action`` ("change" or a named act) on ``model``'s rows, as
    a ``Q`` to combine (``restrict`` filters by it): never an empty ``Q()``, so its negation
    means "none" for a user who may act on every row (e.g. the hand-offs not mine to answer).
    """
    rule = rule_for(model)
    scope = scope_of(user)
    sides = sides_for(rule, action, model)
    if not sides or scope.kind not in (ScopeKind.ALL, ScopeKind.SUBTREE):
        # Nobody (a table written by jobs or append-only), or a scope without the tree.
        return Q(pk__in=[])
    if scope.kind == ScopeKind.ALL:
        return Q(pk__isnull=False)
    found = Q(pk__in=[])
    for side in sides:
        found |= _side_condition(user, model, side, scope.roots)
    return found


def _path_at(obj: Any, lookup: str) -> str | None:
    """The organization path a lookup reaches from a loaded object (None when unset)."""
    value = obj
    for name in lookup.split("__"):
        value = getattr(value, name, None)
        if value is None:
            return None
    return value if isinstance(value, str) else None


def side_path(obj: Any, side: Side) -> str | None:
    """The path of one side of a row: for :class:`First`, the first that is set."""
    lookups = side.lookups if isinstance(side, First) else (side,)
    for lookup in lookups:
        path = _path_at(obj, lookup)
        if path is not None:
            return path
    return None


def may(user: User | Any, obj: Model, action: str = VIEW) -> bool:
    """Whether the user may ``action`` this object: the same rule as :func:`restrict`, read
    from the object's own relations (no query when they are loaded)."""
    if action == VIEW:
        return can_see(user, obj)
    rule = rule_for(type(obj))
    if rule.public:
        return can_see(user, obj)
    sides = sides_for(rule, action, type(obj))
    scope = scope_of(user)
    if not sides:
        return False
    if scope.kind == ScopeKind.ALL:
        return True
    if scope.kind != ScopeKind.SUBTREE:
        return False
    return any(scope.covers_path(side_path(obj, side)) for side in sides)


def get_or_404(user: User | Any, queryset: QuerySet, action: str = VIEW, **lookup: Any) -> Model:
    """One object the user may ``action``, or the gate's 404 (which does not tell whether
    it exists elsewhere)."""
    try:
        return restrict(user, queryset, action).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("Not found, or not within your organization's scope.")) from exc


# --- the system as an actor ------------------------------------------------------------------


class SystemActor:
    """The system as the actor of a change: a job, the demo loader, a command-line import,
    or a step the ledger takes on behalf of someone whose own right was checked (a
    station's confirmed check-in brings the record under management). The gate allows it
    everything (the city's scope); it is no user: rows it writes name no user
    (:func:`user_of`), and the audit trail says "system" unless a user's action is
    already bound (then the row names that user, who asked for it)."""

    is_system = True
    is_authenticated = False
    is_active = True
    is_superuser = False
    is_staff_role = True
    pk = None
    id = None
    organization_id = None
    username = "system"

    def can(self, capability: str) -> bool:
        return True

    def __str__(self) -> str:
        return "system"

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()


def require_actor(by: Any) -> None:
    """An action names who acts: a user, or :data:`SYSTEM` (a job, the demo loader, an
    import). ``None`` is refused: it used to mean "skip the checks", which one forgotten
    argument would have granted."""
    if by is None:
        raise TypeError("name the actor: a user, or liudong.core.scope.SYSTEM")


ALL_SCOPE = Scope(ScopeKind.ALL)


def user_of(actor: Any) -> Any:
    """The user to store in a "by" column: the actor, or nobody for the system."""
    return None if actor is SYSTEM else actor


# --- fast forms: analytics (analytics helper)
# What a reader that keeps its own counts per organization (the analytics rollup) may ask
# the gate instead of re-deriving it: the answers are the gate's, read from the scope.


def sees_all(user: User | Any) -> bool:
    """The gate lets ``user`` see every row of every model (the city's scope, the system):
    :func:`visible_to` adds no condition, so a reader may count a table whole."""
    return scope_of(user).kind == ScopeKind.ALL


def by_organization(user: User | Any) -> bool:
    """The gate draws ``user``'s scope along the organization tree only (everything, or
    subtrees), never by the rows' owner (a member's own records): counts kept per
    organization (the analytics rollup, keyed by the rows' sides) answer through the gate
    exactly as the rows would."""
    return scope_of(user).kind in (ScopeKind.ALL, ScopeKind.SUBTREE)
