"""The figures: coverage, distribution, per-organization rows, targets. Read through the gate.

Which records a figure counts (the definitions the pages print):

- **Open records**: flow records with status registered, managed or lost contact (returned,
  transferred and suspended records are closed and never counted).
- **Attributed to an organization** ("responsible" basis, every dashboard but a station's):
  outflow records whose *home* organization lies in its subtree, and inflow records whose
  *inflow-side* organization lies in its subtree. Each record belongs to exactly one side, so
  the counties' rows add up to the city. A county also sees, through co-management, other
  counties' members attached to the stations it runs: they are shown as a figure of their own
  ("co-managed at our stations"), never mixed into its coverage.
- **Attached** ("attached" basis, a station's dashboard): records whose inflow-side
  organization is the station's mobile branch (or below it), both directions.
- **Managed** (纳管): status *managed* among the open records. **Coverage** = managed ÷ open.
- **In province**: the destination (where the member lives now) lies in the home province
  (``LIUDONG_HOME_PROVINCE``, default the city's province, 62 = Gansu); out of province
  otherwise. Inflow records live here, so they count in province.

Set-based: two GROUP BY queries over the open records answer a whole dashboard (one for the
area/scope/status cube, one per responsible organization), organization filters as id lists
so the partial indexes on open records serve county dashboards.
"""

from __future__ import annotations

import datetime
from collections import defaultdict, namedtuple
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Model,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from liudong.analytics import rollup
from liudong.analytics.models import CoverageTarget, FlowTally, FlowTallyDay, Snapshot
from liudong.core import compiled
from liudong.core.cachekeys import page_key
from liudong.core.errors import DomainError
from liudong.core.scope import ScopeKind, gate_key, scope_of, visible_to
from liudong.members.models import (
    OPEN_STATUSES,
    Alert,
    Direction,
    FlowRecord,
    FlowScope,
    FlowStatus,
)
from liudong.members.overdue import overdue_condition, overdue_cutoff
from liudong.orgs.filters import organization_for_code
from liudong.orgs.models import Organization, OrgKind

RESPONSIBLE = "responsible"
ATTACHED = "attached"
STATION_ORG_KINDS = (OrgKind.MOBILE_BRANCH, OrgKind.STATION)
# Rows of the city's tables: the county-level committees and the city's working committee.
ROW_KINDS = (OrgKind.COUNTY_COMMITTEE, OrgKind.WORKING_COMMITTEE, OrgKind.TOWNSHIP_COMMITTEE)

MANAGED, LOST = str(FlowStatus.MANAGED), str(FlowStatus.LOST)
SCOPE_KEYS = [str(s) for s in FlowScope]  # the four flow scopes, outflow
INFLOW_KEY = "inflow"


def home_province() -> str:
    """The two-digit code of the home province (in-province vs out-of-province)."""
    configured = getattr(settings, "LIUDONG_HOME_PROVINCE", "")
    if configured:
        return str(configured)[:2]
    roots = _roots()
    return (roots[0][1] or "62")[:2] if roots else "62"


def _roots() -> list[tuple[int, str | None]]:
    """The tree's roots (id, place), by id: read once per answer."""
    return _memo(
        ("roots",),
        lambda: list(
            Organization.objects.filter(parent__isnull=True)
            .order_by("pk")
            .values_list("pk", "place_id")
        ),
    )


def default_targets() -> tuple[Decimal, Decimal]:
    return (
        Decimal(str(getattr(settings, "LIUDONG_COVERAGE_TARGET_IN_PROVINCE", 100))),
        Decimal(str(getattr(settings, "LIUDONG_COVERAGE_TARGET_OUT_OF_PROVINCE", 30))),
    )


# --- filters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureFilter:
    """Filters of the map and dashboards, from the URL: direction, status, reason, period.

    The period keeps records whose stay began (``left_on``) in it: a year ``2024`` or a
    month ``2024-06``.
    """

    direction: str = ""
    status: str = ""
    reason: str = ""
    period: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any] | None) -> FigureFilter:
        params = params or {}

        def text(name: str, limit: int = 20) -> str:
            return str(params.get(name) or "").strip()[:limit]

        direction = text("direction")
        status = text("status")
        period = text("period", 7)
        if period and _period_bounds(period) is None:
            period = ""
        return cls(
            direction=direction if direction in Direction.values else "",
            status=status if status in OPEN_STATUSES else "",
            reason=text("reason"),
            period=period,
        )

    def params(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}

    def apply(self, records: QuerySet) -> QuerySet:
        """Filter flow records (or, for direction and status, the rollup's rows)."""
        if self.direction:
            records = records.filter(direction=self.direction)
        if self.status:
            records = records.filter(status=self.status)
        if self.reason:
            records = records.filter(reason=self.reason)
        bounds = _period_bounds(self.period)
        if bounds:
            records = records.filter(left_on__gte=bounds[0], left_on__lt=bounds[1])
        return records


def _period_bounds(period: str) -> tuple[datetime.date, datetime.date] | None:
    try:
        if len(period) == 4:
            year = int(period)
            return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
        if len(period) == 7 and period[4] == "-":
            year, month = int(period[:4]), int(period[5:])
            start = datetime.date(year, month, 1)
            return start, (start + datetime.timedelta(days=32)).replace(day=1)
    except ValueError:
        return None
    return None


# --- which organization, which records ------------------------------------------------------


def root_organization() -> Organization | None:
    return Organization.objects.filter(parent__isnull=True).order_by("pk").first()


def organization_for(user: Any, code: str = "") -> Organization:
    """The organization a dashboard is about: a code in the user's scope (else ScopeError,
    shown as not found), or the user's own (the root for the city administrator)."""
    if code:
        return organization_for_code(user, code)
    scope = scope_of(user)
    if scope.kind == ScopeKind.ALL:
        root = root_organization()
        if root is not None:
            return root
    if getattr(user, "organization_id", None):
        return user.organization
    raise DomainError("no_organization", _("Your account belongs to no organization."))


def basis_for(org: Organization) -> str:
    return ATTACHED if org.kind in STATION_ORG_KINDS else RESPONSIBLE


_MEMO: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("figures_memo", default=None)


@contextmanager
def figures_memo() -> Iterator[None]:
    """While computing one answer, tree lookups (subtree, rows' owners, "everything") are
    read once, not once per figure."""
    if _MEMO.get() is not None:
        yield
        return
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def _memo(key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    memo = _MEMO.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def subtree_ids(org: Organization) -> list[int]:
    return _memo(("subtree_ids", org.pk, org.path), lambda: _subtree_ids(org))


def _subtree_ids(org: Organization) -> list[int]:
    return [pk for pk, _path in _subtree_paths(org)]


def _subtree_paths(org: Organization) -> list[tuple[int, str]]:
    """(id, path) of the organization's subtree."""
    return [(o.pk, o.path) for o in _subtree(org)]


# What the figures read of the tree: every concrete column but the contact details and the
# creation time (read as tuples; the child rows become model instances, see TreeNode).
TREE_FIELDS = tuple(
    f.attname
    for f in Organization._meta.concrete_fields
    if f.attname not in ("contact_name", "contact_phone", "address", "created_at")
)


class TreeNode(namedtuple("TreeRow", TREE_FIELDS)):  # type: ignore[misc]
    """One organization of the tree as read for the figures (a tuple of ``TREE_FIELDS``):
    building a model instance per organization cost more than the query."""

    __slots__ = ()

    @property
    def pk(self) -> int:
        return self.id

    def organization(self) -> Organization:
        """The model instance (the other fields load on first access)."""
        return Organization.from_db(connection.alias, TREE_FIELDS, self)


def _tree_nodes(key: tuple[Any, ...], organizations: Callable[[], QuerySet]) -> list[TreeNode]:
    """The organizations as tuples; their compiled SQL kept per ``key`` (which holds every
    value ``organizations`` is built from, see ``liudong.core.compiled``)."""
    rows = compiled.rows(key, lambda: organizations().values_list(*TREE_FIELDS))
    return [TreeNode._make(row) for row in rows]


def _subtree(org: Organization) -> list[TreeNode]:
    """The organization's subtree (itself included), read once per answer: its ids, the
    rows' owners, the child rows and the mobile branches come from this one read."""
    return _memo(
        ("subtree", org.pk, org.path),
        lambda: _tree_nodes(
            ("analytics.subtree", org.path),
            lambda: Organization.objects.filter(path__startswith=org.path),
        ),
    )


def _read_tree(org: Organization) -> None:
    """While computing one answer: the organization's subtree and the tree's roots in one
    query, for :func:`_subtree` and :func:`_roots` (which read them apart otherwise)."""
    memo = _MEMO.get()
    if memo is None or ("subtree", org.pk, org.path) in memo:
        return
    if org.parent_id is None:  # a root: its subtree and the roots are the tree (or most)
        found = _tree_nodes(("analytics.tree",), lambda: Organization.objects.all())
    else:
        found = _tree_nodes(
            ("analytics.subtree_and_roots", org.path),
            lambda: Organization.objects.filter(Q(path__startswith=org.path) | Q(parent=None)),
        )
    memo[("subtree", org.pk, org.path)] = [o for o in found if o.path.startswith(org.path)]
    if ("roots",) not in memo:
        memo[("roots",)] = sorted((o.pk, o.place_id) for o in found if o.parent_id is None)


def _is_everything(org: Organization) -> bool:
    """The only root of the tree: every record is attributed below it."""
    return _memo(("everything", org.pk), lambda: _is_only_root(org))


def _is_only_root(org: Organization) -> bool:
    return org.parent_id is None and [pk for pk, _place in _roots()] == [org.pk]


def side_condition(org: Organization, basis: str = RESPONSIBLE) -> Q | None:
    """The records attributed to (or attached at) the organization's subtree; None: all."""
    if basis == RESPONSIBLE and _is_everything(org):
        return None
    ids = subtree_ids(org)
    if basis == ATTACHED:
        return Q(inflow_organization_id__in=ids)
    return Q(direction=Direction.OUTFLOW, home_organization_id__in=ids) | Q(
        direction=Direction.INFLOW, inflow_organization_id__in=ids
    )


def open_records(
    user: Any,
    org: Organization,
    flt: FigureFilter | None = None,
    *,
    basis: str | None = None,
) -> QuerySet[FlowRecord]:
    """Open flow records counted for ``org``, through the scope gate, filtered."""
    records = FlowRecord.objects.filter(is_open=True)
    condition = side_condition(org, basis or basis_for(org))
    if condition is not None:
        records = records.filter(condition)
    records = visible_to(user, records)
    return (flt or FigureFilter()).apply(records).order_by()


def _overdue() -> Q:
    """Contact overdue today (the ledger's one rule, :mod:`liudong.members.overdue`)."""
    return overdue_condition(overdue_cutoff())


def use_rollup(user: Any, flt: FigureFilter | None, wanted: bool | None = None) -> bool:
    """Whether figures come from the rollup (``FlowTally``) rather than the records:
    ``wanted`` forces the choice (tests, benchmarks); by default whenever it can answer
    (no reason or period filter, an organization scope) and the setting allows it."""
    if wanted is not None:
        return wanted and rollup.answers(user, flt)
    if not getattr(settings, "LIUDONG_ANALYTICS_ROLLUP", True):
        return False
    return connection.vendor in rollup.TRIGGER_VENDORS and rollup.answers(user, flt)


def tallies_for(
    user: Any, org: Organization, flt: FigureFilter | None = None, *, basis: str | None = None
) -> QuerySet[FlowTally]:
    """The rollup's rows counted for ``org`` (like :func:`open_records`), through the gate,
    filtered by direction and status."""
    tallies = FlowTally.objects.exclude(n=0)
    condition = side_condition(org, basis or basis_for(org))
    if condition is not None:
        tallies = tallies.filter(condition)
    tallies = visible_to(user, tallies)
    flt = flt or FigureFilter()
    if flt.direction:
        tallies = tallies.filter(direction=flt.direction)
    if flt.status:
        tallies = tallies.filter(status=flt.status)
    return tallies.order_by()


def overdue_correction(
    records: QuerySet[FlowRecord], columns: tuple[str, ...], anchor: datetime.date | None
) -> dict[tuple[Any, ...], int]:
    """What to add, per ``columns`` (annotations of ``records``), to the rollup's overdue
    counts (taken on ``anchor``) to get today's: the records whose last contact (or start)
    lies between the anchor and today's cutoff, with the sign of the step. Two counts, each
    answered from its covering partial index (index-only on PostgreSQL)."""
    found: dict[tuple[Any, ...], int] = defaultdict(int)
    step = rollup.correction(anchor, overdue_cutoff())
    if step is None:
        return found
    conditions, sign = step
    # One statement: each half is answered from its own covering index.
    first, *others = (
        records.filter(condition).values_list(*columns).annotate(n=Count("*")).order_by()
        for condition in conditions
    )
    for *key, n in first.union(*others, all=True) if others else first:
        found[tuple(key)] += sign * n
    return found


def tally_rows(
    tallies: QuerySet[FlowTally],
    columns: tuple[str, ...],
    records: QuerySet[FlowRecord],
    record_columns: tuple[str, ...] | None = None,
) -> list[tuple[Any, ...]]:
    """The rollup's rows summed by ``columns``: (key…, n, overdue today), like a GROUP BY
    over the records would give (groups at 0 left out). ``records`` (annotated with the
    same columns, or ``record_columns``) answer the overdue correction; the anchor day is
    read in the same statement as the counts, so a nightly rebuild cannot fall between."""
    anchor_day = Subquery(FlowTallyDay.objects.filter(pk=1).values("day")[:1])
    rows = list(
        tallies.annotate(anchor=anchor_day)
        .values_list(*columns, "anchor")
        .annotate(n=Sum("n"), overdue=Sum("overdue"))
        .order_by()
    )
    width = len(columns)
    anchor = rows[0][width] if rows else rollup.anchor_day()
    if isinstance(anchor, str):  # SQLite gives the subquery's date as text
        anchor = datetime.date.fromisoformat(anchor)
    counts: dict[tuple[Any, ...], list[int]] = {}
    for row in rows:
        counts[tuple(row[:width])] = [row[-2], row[-1]]
    fix = overdue_correction(records, record_columns or columns, anchor)
    for key, step in fix.items():
        counts.setdefault(key, [0, 0])[1] += step
    return [(*key, n, overdue) for key, (n, overdue) in counts.items() if n]


def _in_province_case() -> Case:
    return Case(
        When(destination_place__code__startswith=home_province(), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


# --- tallies ------------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts of open records: total and by status, and overdue contact."""

    total: int = 0
    managed: int = 0
    registered: int = 0
    lost: int = 0
    overdue: int = 0

    def add(self, status: str, n: int, overdue: int = 0) -> None:
        self.total += n
        self.overdue += overdue
        if status == MANAGED:
            self.managed += n
        elif status == LOST:
            self.lost += n
        else:
            self.registered += n

    def merge(self, other: Tally) -> None:
        for name in ("total", "managed", "registered", "lost", "overdue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def coverage(self) -> float | None:
        """Managed ÷ open, in percent (one decimal); None without records."""
        if not self.total:
            return None
        return round(100.0 * self.managed / self.total, 1)

    def as_dict(self) -> dict[str, Any]:
        # Spelled out: dataclasses.asdict deep-copies, and a dashboard has hundreds of these.
        return {
            "total": self.total,
            "managed": self.managed,
            "registered": self.registered,
            "lost": self.lost,
            "overdue": self.overdue,
            "coverage": self.coverage,
        }


@dataclass
class Coverage:
    """A coverage figure with its target: value, target, gap and a traffic light."""

    key: str
    label: str | Promise
    tally: Tally
    target: Decimal | None

    @property
    def value(self) -> float | None:
        return self.tally.coverage

    @property
    def gap(self) -> float | None:
        if self.value is None or self.target is None:
            return None
        return round(max(0.0, float(self.target) - self.value), 1)

    @property
    def light(self) -> str:
        return traffic_light(self.value, self.target)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": str(self.label),
            **self.tally.as_dict(),
            "target": float(self.target) if self.target is not None else None,
            "gap": self.gap,
            "light": self.light,
        }


AMBER_POINTS = 10.0


def traffic_light(value: float | None, target: Decimal | float | None) -> str:
    """green: target met; amber: within 10 points; red: further; grey: nothing to measure."""
    if value is None or target is None:
        return "grey"
    if value >= float(target):
        return "green"
    if float(target) - value <= AMBER_POINTS:
        return "amber"
    return "red"


# --- targets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    in_province: Decimal
    out_of_province: Decimal
    source: str  # the organization whose row applies, or "" for the default

    def as_dict(self) -> dict[str, Any]:
        return {
            "in_province": float(self.in_province),
            "out_of_province": float(self.out_of_province),
            "source": self.source,
        }


def _ancestor_ids(org: Organization) -> list[int]:
    return [int(part) for part in org.path.strip("/").split("/") if part]


def targets_for(
    orgs: Iterable[Organization], year: int, month: int | None = None
) -> dict[int, Target]:
    """The target that applies to each organization in a period: its own row or its nearest
    ancestor's; a month's row beats the year's; the settings' default otherwise.

    Targets are configuration read along the ancestor chain of organizations already in
    the viewer's scope; only the percentages are shown, never the rows of other units.
    """
    orgs = list(orgs)
    ids = {pk for org in orgs for pk in _ancestor_ids(org)}
    found: dict[int, dict[bool, Target]] = defaultdict(dict)
    for pk, row_month, in_province, out_of_province, name in _target_rows(ids, year, month):
        found[pk][row_month is not None] = Target(in_province, out_of_province, name)
    default_in, default_out = default_targets()
    result: dict[int, Target] = {}
    for org in orgs:
        target = Target(default_in, default_out, "")
        for pk in reversed(_ancestor_ids(org)):
            rows_here = found.get(pk)
            if rows_here:
                target = rows_here.get(True) or rows_here[False]
                break
        result[org.pk] = target
    return result


def _target_rows(
    ids: Iterable[int], year: int, month: int | None
) -> list[tuple[int, int | None, Decimal, Decimal, str]]:
    """(organization id, month, in province, out of province, organization name) of the
    targets set on these organizations for the year (the month's and the year's rows),
    as SQL on the cursor: configuration, read along ancestor chains (see
    :func:`targets_for`), a query the page runs on every uncached view. The names come
    from the tree read for the answer when it holds them (else one more read)."""
    ids = sorted(int(pk) for pk in ids)
    if not ids:
        return []
    quote = connection.ops.quote_name
    table = quote(CoverageTarget._meta.db_table)
    column = {name: f"t.{quote(name)}" for name in ("organization_id", "year", "month")}
    months = (
        f"({column['month']} = %s OR {column['month']} IS NULL)"
        if month
        else (f"{column['month']} IS NULL")
    )
    fields = [CoverageTarget._meta.get_field(n) for n in ("in_province", "out_of_province")]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column['organization_id']}, {column['month']}, "
            f"{', '.join(f't.{quote(f.column)}' for f in fields)} FROM {table} t "
            f"WHERE {column['organization_id']} IN ({', '.join(['%s'] * len(ids))}) "
            f"AND {column['year']} = %s AND {months}",
            [*ids, year, *([month] if month else [])],
        )
        rows = cursor.fetchall()
    if not rows:
        return []
    names = _known_names()
    missing = {pk for pk, *_rest in rows if pk not in names}
    if missing:
        names.update(Organization.objects.filter(pk__in=missing).values_list("pk", "name"))
    return [
        (pk, row_month, _decimal(fields[0], a), _decimal(fields[1], b), names[pk])
        for pk, row_month, a, b in rows
        if pk in names
    ]


def _known_names() -> dict[int, str]:
    """Names of the organizations read for the answer so far (its subtrees)."""
    memo = _MEMO.get() or {}
    return {o.id: o.name for key, nodes in memo.items() if key[0] == "subtree" for o in nodes}


def _decimal(field: Any, value: Any) -> Decimal:
    """A decimal column's value as the ORM gives it (SQLite returns numbers)."""
    return field.to_python(value).quantize(Decimal(1).scaleb(-field.decimal_places))


def target_for(org: Organization, year: int, month: int | None = None) -> Target:
    return targets_for([org], year, month)[org.pk]


def coverage_figures(tallies: Mapping[str, Tally], target: Target) -> list[Coverage]:
    """Coverage in province, out of province and in all, with the targets that apply."""
    return [
        Coverage("in_province", _("In province"), tallies["in_province"], target.in_province),
        Coverage(
            "out_of_province",
            _("Out of province"),
            tallies["out_of_province"],
            target.out_of_province,
        ),
        Coverage("all", _("All open records"), tallies["all"], None),
    ]


# --- the cube: one GROUP BY for totals, scopes, areas -------------------------------------


@dataclass
class Cube:
    """Open records counted by direction, flow scope, status and destination prefecture."""

    rows: list[tuple[str, str, str, str, int, int]] = field(default_factory=list)

    def tally(self, **match: Any) -> Tally:
        tally = Tally()
        for direction, scope, status, prefecture, n, overdue in self.rows:
            row = {"direction": direction, "scope": scope, "prefecture": prefecture}
            if all(_matches(row[k], v) for k, v in match.items()):
                tally.add(status, n, overdue)
        return tally

    def by_area(self, digits: int, direction: str = "") -> dict[str, Tally]:
        """Tallies by destination area: 2 digits province, 4 prefecture."""
        areas: dict[str, Tally] = defaultdict(Tally)
        for row_direction, _scope, status, prefecture, n, overdue in self.rows:
            if direction and row_direction != direction:
                continue
            areas[prefecture[:digits]].add(status, n, overdue)
        return dict(areas)


def _matches(value: str, wanted: Any) -> bool:
    if callable(wanted):
        return bool(wanted(value))
    return value == wanted


def cube(records: QuerySet[FlowRecord], tallies: QuerySet[FlowTally] | None = None) -> Cube:
    """The cube of the records; with ``tallies`` (the same records' rollup rows), from the
    rollup and the overdue indexes."""
    if tallies is not None:
        columns = ("direction", "flow_scope", "status", "prefecture")
        records = records.annotate(prefecture=Substr("destination_place_id", 1, 4))
        return Cube(tally_rows(tallies, columns, records))
    rows = (
        records.annotate(prefecture=Substr("destination_place_id", 1, 4))
        .values_list("direction", "flow_scope", "status", "prefecture")
        .annotate(n=Count("id"), overdue=Count("id", filter=_overdue()))
        .order_by()
    )
    return Cube([tuple(row) for row in rows])


def county_records(
    records: QuerySet[FlowRecord], basis: str = RESPONSIBLE, *, place_digits: int = 0
) -> list[tuple[int | None, str, str, str, int, int, int]]:
    """Open records by responsible organization: (org id, direction, scope, status,
    in-province 1/0, n, overdue); with ``place_digits`` the destination's first digits too
    (the map's per-county drill)."""
    if basis == ATTACHED:
        side = F("inflow_organization_id")
    else:
        side = Case(
            When(direction=Direction.INFLOW, then=F("inflow_organization_id")),
            default=F("home_organization_id"),
            output_field=IntegerField(),
        )
    columns = ["side", "direction", "flow_scope", "status", "in_province"]
    annotations: dict[str, Any] = {"side": side, "in_province": _in_province_case()}
    if place_digits:
        annotations["area"] = Substr("destination_place_id", 1, place_digits)
        columns.append("area")
    rows = (
        records.annotate(**annotations)
        .values_list(*columns)
        .annotate(n=Count("id"), overdue=Count("id", filter=_overdue()))
        .order_by()
    )
    return [tuple(row) for row in rows]


# --- rows per organization (the coverage table, the monthly report) -----------------------


@dataclass
class OrgRow:
    """One row of the per-organization tables: a child organization and its figures."""

    organization: Organization | None  # None: records attributed directly to the parent
    label: str
    all: Tally = field(default_factory=Tally)
    in_province: Tally = field(default_factory=Tally)
    out_of_province: Tally = field(default_factory=Tally)
    outflow: dict[str, Tally] = field(default_factory=lambda: {k: Tally() for k in SCOPE_KEYS})
    inflow: Tally = field(default_factory=Tally)
    stations: int = 0
    branches: int = 0
    target: Target | None = None

    @property
    def code(self) -> str:
        return self.organization.code if self.organization else ""

    def add(
        self, direction: str, scope: str, status: str, in_province: int, n: int, overdue: int
    ) -> None:
        self.all.add(status, n, overdue)
        (self.in_province if in_province else self.out_of_province).add(status, n, overdue)
        if direction == Direction.INFLOW:
            self.inflow.add(status, n, overdue)
        else:
            self.outflow.setdefault(scope, Tally()).add(status, n, overdue)

    def merge(self, other: OrgRow) -> None:
        self.all.merge(other.all)
        self.in_province.merge(other.in_province)
        self.out_of_province.merge(other.out_of_province)
        self.inflow.merge(other.inflow)
        for key, tally in other.outflow.items():
            self.outflow.setdefault(key, Tally()).merge(tally)
        self.stations += other.stations
        self.branches += other.branches

    @property
    def coverage_in(self) -> Coverage:
        target = self.target.in_province if self.target else None
        return Coverage("in_province", _("In province"), self.in_province, target)

    @property
    def coverage_out(self) -> Coverage:
        target = self.target.out_of_province if self.target else None
        return Coverage("out_of_province", _("Out of province"), self.out_of_province, target)

    def as_dict(self) -> dict[str, Any]:
        return {
            "organization": self.code,
            "label": self.label,
            "found": self.all.total,
            "outflow": {k: t.total for k, t in self.outflow.items()},
            "inflow": self.inflow.total,
            "managed": self.all.managed,
            "coverage": self.all.coverage,
            "in_province": self.coverage_in.as_dict(),
            "out_of_province": self.coverage_out.as_dict(),
            "lost": self.all.lost,
            "overdue": self.all.overdue,
            "stations": self.stations,
            "branches": self.branches,
        }


def child_rows_of(org: Organization) -> list[Organization]:
    """The organizations a parent's tables list as rows: its county-level committees and
    working committees (the city), its townships (a county), else its direct children."""
    return _memo(("child_rows", org.pk), lambda: _child_rows_of(org))


def _child_rows_of(org: Organization) -> list[Organization]:
    children = sorted(
        (o for o in _subtree(org) if o.parent_id == org.pk and o.active),
        key=lambda o: (o.sort_order, o.code),
    )
    rows = [c for c in children if c.kind in ROW_KINDS]
    rows = rows or [c for c in children if c.kind not in STATION_ORG_KINDS] or children
    return [c.organization() for c in rows]


def _row_key(
    org: Organization, children: list[Organization], model: type[Model] = FlowRecord
) -> RawSQL | Value:
    """SQL: the child (row) a record (or a tally row: ``model``) is attributed to, by id
    lists; NULL: the parent itself. Written as SQL text with the ids inline (integers read
    from the tree), memoised per answer: the ORM's ``Case``/``When``/``Q`` form of the same
    expression cost more to build and compile than the database spent on the query."""
    key = ("row_key", org.pk, org.path, tuple(c.pk for c in children), model._meta.db_table)
    return _memo(key, lambda: _row_key_sql(org, children, model))


def _row_key_sql(
    org: Organization, children: list[Organization], model: type[Model]
) -> RawSQL | Value:
    ids: dict[int, list[int]] = defaultdict(list)
    owner = _row_owner(org, children)
    for pk, child in owner.items():
        ids[child].append(pk)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    direction = f"{table}.{quote('direction')}"
    home = f"{table}.{quote('home_organization_id')}"
    inflow = f"{table}.{quote('inflow_organization_id')}"
    whens = []
    for child in children:
        if ids[child.pk]:
            listed = ", ".join(str(int(pk)) for pk in sorted(ids[child.pk]))
            whens.append(
                f"WHEN ({direction} = '{Direction.OUTFLOW}' AND {home} IN ({listed})) "
                f"OR ({direction} = '{Direction.INFLOW}' AND {inflow} IN ({listed})) "
                f"THEN {int(child.pk)}"
            )
    if not whens:
        return Value(None, output_field=IntegerField())
    return RawSQL(f"CASE {' '.join(whens)} ELSE NULL END", (), output_field=IntegerField())


RowData = list[tuple[Any, ...]]  # (row key, direction, scope, status, prefecture, n, overdue)
# [n, overdue] by (row key, direction, scope, status, in province)
RowSums = dict[tuple[Any, str, str, str, bool], list[int]]


@contextmanager
def tuned_for_aggregates() -> Iterator[None]:
    """PostgreSQL: enough work_mem to hash the groups (its estimate of the groups is far too
    high, so it would sort a million rows on disk) and no JIT (compiling costs more than it
    saves for one pass). Local to a transaction; other databases: nothing."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL jit = off")
        yield


def row_figures(
    records: QuerySet,
    org: Organization,
    children: list[Organization],
    tallies: QuerySet[FlowTally] | None = None,
    *,
    everything: bool = False,
) -> RowData:
    """The one GROUP BY a dashboard needs: open records by row (child organization),
    direction, flow scope, status and destination prefecture, with overdue contact.

    With ``tallies`` (the same records' rollup rows) the counts are the rollup's, summed
    by the same row key, and the overdue counts come from the overdue indexes;
    ``everything``: they are every open record's and every tally row (see
    :func:`sees_everything`)."""
    if tallies is None:
        with tuned_for_aggregates():
            return _row_figures(records, org, children)
    # The rollup: thousands of rows, no tuning needed.
    return _summed_row_figures(tallies, records, org, children, everything=everything)


def sees_everything(user: Any, org: Organization, flt: FigureFilter | None) -> bool:
    """Whether ``open_records``/``tallies_for`` select every open record and tally row:
    the only root, a user the gate lets see everything, no filter."""
    flt = flt or FigureFilter()
    return (
        _is_everything(org)
        and scope_of(user).kind == ScopeKind.ALL
        and not (flt.direction or flt.status or flt.reason or flt.period)
    )


TALLY_COLUMNS = ("direction", "flow_scope", "status", "prefecture")
TALLY_SIDES = ("home_organization_id", "inflow_organization_id")


def _summed_row_figures(
    tallies: QuerySet[FlowTally] | None,
    records: QuerySet[FlowRecord] | None,
    org: Organization,
    children: list[Organization],
    *,
    everything: bool = False,
) -> RowData:
    """:func:`row_figures` from the rollup, as SQL run on the connection's cursor: the
    tally's rows summed by row, direction, scope, status and prefecture, with the anchor
    day in the same statement; then the overdue correction from the records' covering
    indexes. The gate and the side condition stay the ORM's: each statement reads from
    the compiled ``tallies`` (or ``records``) query, so it sees exactly their rows; with
    ``everything`` (nothing filtered) from the tables themselves, which skips compiling
    (``tallies`` and ``records`` are then not read and may be None).
    The row is found by joining the responsible side's id to a list of (organization,
    row) pairs (integers from the tree), not by a ``CASE`` over id lists."""
    quote = connection.ops.quote_name
    owner = _row_owner(org, children)
    side = (
        f"CASE t.{quote('direction')} WHEN '{Direction.OUTFLOW}' "
        f"THEN t.{quote('home_organization_id')} WHEN '{Direction.INFLOW}' "
        f"THEN t.{quote('inflow_organization_id')} END"
    )
    if owner:
        pairs = ", ".join(f"({int(pk)}, {int(row)})" for pk, row in sorted(owner.items()))
        join, key = f" LEFT JOIN (VALUES {pairs}) o ON o.column1 = {side}", "o.column2"
    else:
        join, key = "", "CAST(NULL AS INTEGER)"
    direction, scope, status = (f"t.{quote(c)}" for c in TALLY_COLUMNS[:3])
    groups = f"GROUP BY {key}, {direction}, {scope}, {status}"
    if everything:
        source, params = f"{quote(FlowTally._meta.db_table)} t{join} WHERE t.{quote('n')} <> 0", []
    else:
        assert tallies is not None and records is not None
        inner, params = tallies.values_list(
            *TALLY_COLUMNS, *TALLY_SIDES, "n", "overdue"
        ).query.sql_with_params()
        source, params = f"({inner}) t{join}", list(params)
    day = quote(FlowTallyDay._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {key}, {direction}, {scope}, {status}, t.{quote('prefecture')}, "
            f"SUM(t.{quote('n')}), SUM(t.{quote('overdue')}), "
            f"(SELECT {quote('day')} FROM {day} WHERE {quote('id')} = 1) "
            f"FROM {source} {groups}, t.{quote('prefecture')}",
            params,
        )
        rows = cursor.fetchall()
        anchor = rows[0][7] if rows else rollup.anchor_day()
        if isinstance(anchor, str):  # SQLite gives the subquery's date as text
            anchor = datetime.date.fromisoformat(anchor)
        counts: dict[tuple[Any, ...], list[int]] = {row[:5]: [row[5], row[6]] for row in rows}
        bounds = rollup.correction_bounds(anchor, overdue_cutoff())
        if bounds is not None:
            if everything:
                source, params = (
                    f"{quote(FlowRecord._meta.db_table)} t{join} WHERE t.{quote('is_open')} AND",
                    [],
                )
            else:
                assert records is not None
                inner, params = records.values_list(
                    *TALLY_COLUMNS[:3],
                    "destination_place_id",
                    *TALLY_SIDES,
                    "last_contact_on",
                    "left_on",
                ).query.sql_with_params()
                source, params = f"({inner}) t{join} WHERE", list(params)
            prefecture = f"SUBSTR(t.{quote('destination_place_id')}, 1, 4)"
            statements, fix_params = [], []
            # One statement: each half is answered from its own covering index.
            for condition, condition_params in rollup.correction_sql(bounds, "t"):
                statements.append(
                    f"SELECT {key}, {direction}, {scope}, {status}, {prefecture}, COUNT(*) "
                    f"FROM {source} {condition} {groups}, {prefecture}"
                )
                fix_params += params + condition_params
            cursor.execute(" UNION ALL ".join(statements), fix_params)
            sign = bounds[2]
            for *fix_key, n in cursor.fetchall():
                counts.setdefault(tuple(fix_key), [0, 0])[1] += sign * n
    return [(*key, n, overdue) for key, (n, overdue) in counts.items() if n]


def _row_figures(records: QuerySet, org: Organization, children: list[Organization]) -> RowData:
    rows = (
        records.annotate(
            row_key=_row_key(org, children), prefecture=Substr("destination_place_id", 1, 4)
        )
        .values_list("row_key", "direction", "flow_scope", "status", "prefecture")
        .annotate(n=Count("id"), overdue=Count("id", filter=_overdue()))
        .order_by()
    )
    return [tuple(row) for row in rows]


def org_rows(
    user: Any,
    org: Organization,
    flt: FigureFilter | None = None,
    *,
    today: datetime.date | None = None,
    data: RowData | None = None,
    from_rollup: bool | None = None,
    sums: RowSums | None = None,
) -> tuple[list[OrgRow], OrgRow]:
    """One row per child organization (see :func:`child_rows_of`) and the totals row.

    Without ``data`` (the report) the totals row comes from a query of its own, without
    the rows' attribution, so checking it against the sum of the rows means something.
    With ``data`` (the dashboard's single query) the total is the sum of the rows;
    ``sums``: ``data`` already summed (see :func:`_grouped`).
    """
    today = today or timezone.localdate()
    children = child_rows_of(org)
    independent = data is None
    if independent:
        records = open_records(user, org, flt, basis=RESPONSIBLE)
        tallies = None
        if use_rollup(user, flt, from_rollup):
            tallies = tallies_for(user, org, flt, basis=RESPONSIBLE)
        data = row_figures(
            records, org, children, tallies, everything=sees_everything(user, org, flt)
        )
    by_id: dict[int, OrgRow] = {c.pk: OrgRow(c, c.short_name or c.name) for c in children}
    direct = OrgRow(None, str(_("Directly under %(name)s") % {"name": org.short_name or org.name}))
    total = OrgRow(org, str(_("Total")))
    province = home_province()
    if sums is None:
        sums = _grouped(data, province)[0]
    whole_sums: dict[tuple[str, str, str, bool], list[int]] = {}
    for (key, direction, scope, status, in_province), (n, overdue) in sums.items():
        (by_id.get(key) or direct).add(direction, scope, status, int(in_province), n, overdue)
        if not independent:  # the total: the rows' groups summed again, then filled once
            slot = whole_sums.get((direction, scope, status, in_province))
            if slot is None:
                whole_sums[(direction, scope, status, in_province)] = [n, overdue]
            else:
                slot[0] += n
                slot[1] += overdue
    for (direction, scope, status, in_province), (n, overdue) in whole_sums.items():
        total.add(direction, scope, status, int(in_province), n, overdue)
    if independent:
        if tallies is not None:
            columns = ("direction", "flow_scope", "status", "province")
            whole = tally_rows(
                tallies.annotate(province=Substr("prefecture", 1, 2)),
                columns,
                records.annotate(province=Substr("destination_place_id", 1, 2)),
            )
        else:
            whole = (
                records.annotate(prefecture=Substr("destination_place_id", 1, 2))
                .values_list("direction", "flow_scope", "status", "prefecture")
                .annotate(n=Count("id"), overdue=Count("id", filter=_overdue()))
                .order_by()
            )
        for direction, scope, status, prefecture, n, overdue in whole:
            in_province = int(prefecture.startswith(province))
            total.add(direction, scope, status, in_province, n, overdue)
    stations, branches = _stations_and_branches(user, org, children)
    for child in children:
        by_id[child.pk].stations = stations.get(child.pk, 0)
        by_id[child.pk].branches = branches.get(child.pk, 0)
    total.stations = sum(stations.values())  # the parent's own (key None) included
    total.branches = sum(branches.values())
    direct.stations, direct.branches = stations.get(None, 0), branches.get(None, 0)
    targets = targets_for([*children, org], today.year, today.month)
    for child in children:
        by_id[child.pk].target = targets[child.pk]
    direct.target = total.target = targets[org.pk]
    rows = [by_id[c.pk] for c in children]
    if direct.all.total or direct.stations or direct.branches:
        rows.append(direct)
    return rows, total


def _row_owner(org: Organization, children: list[Organization]) -> dict[int, int]:
    """Every organization id in the subtree → the id of the row (child) it belongs to."""
    key = ("row_owner", org.pk, org.path, tuple(c.pk for c in children))
    return _memo(key, lambda: _compute_row_owner(org, children))


def _compute_row_owner(org: Organization, children: list[Organization]) -> dict[int, int]:
    # The rows are children of ``org``: a node's row, if any, is the first id of its path
    # after ``org``'s own ("/1/7/42/" under "/1/": 7).
    child_ids = {str(c.pk): c.pk for c in children}
    start = len(org.path)
    owner: dict[int, int] = {}
    for node in _subtree(org):
        row = child_ids.get(node.path[start:].split("/", 1)[0])
        if row is not None:
            owner[node.id] = row
    return owner


def _ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _stations_and_branches(
    user: Any, org: Organization, children: list[Organization]
) -> tuple[dict[int | None, int], dict[int | None, int]]:
    """Open stations run by, and mobile branches under, each child (None: the parent)."""

    owner = _row_owner(org, children)
    org_ids = set(subtree_ids(org))
    stations: dict[int | None, int] = defaultdict(int)
    for station in _open_stations(user, org):
        if station.organization_id in org_ids:
            stations[owner.get(station.organization_id)] += 1
    branches: dict[int | None, int] = defaultdict(int)
    if scope_of(user).kind == ScopeKind.ALL:  # the gate lets every one through
        mobile = [o.pk for o in _subtree(org) if o.kind == OrgKind.MOBILE_BRANCH and o.active]
    else:
        ids = subtree_ids(org)
        mobile = [
            pk
            for (pk,) in compiled.rows(
                ("analytics.mobile_branches", gate_key(user), tuple(ids)),
                lambda: visible_to(
                    user,
                    Organization.objects.filter(
                        kind=OrgKind.MOBILE_BRANCH, active=True, pk__in=ids
                    ),
                ).values_list("pk"),
            )
        ]
    for pk in mobile:
        branches[owner.get(pk)] += 1
    return stations, branches


# --- stations -----------------------------------------------------------------------------


@dataclass
class StationFigures:
    pk: int
    code: str
    name: str
    kind: str
    kind_label: str
    city_code: str
    city_name: str
    city_short: str
    lng: float
    lat: float
    branch_code: str
    attached: int = 0  # stations.queries.station_members: the one definition
    managed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "city": self.city_code,
            "city_name": self.city_name,
            "city_short": self.city_short,
            "lng": self.lng,
            "lat": self.lat,
            "branch": self.branch_code,
            "attached": self.attached,
            "managed": self.managed,
        }


def stations_in(user: Any, org: Organization, *, from_rollup: bool = False) -> list[StationFigures]:
    """Open stations run in (or being) the organization's subtree, with their members
    (attached and managed: ``stations.queries.station_members``, the one definition the
    station pages and the API use; counted from the rollup when ``from_rollup``)."""
    from liudong.regions.queries import place_names
    from liudong.stations import queries as station_queries
    from liudong.stations.models import StationKind

    stations = _open_stations(user, org)
    names = place_names()  # the cities' names from the in-memory index of places
    labels = {str(kind): str(kind.label) for kind in StationKind}  # translated once
    result = []
    for s in stations:
        city = s.place_id[:4] + "00"
        full_name, short_name = names(city)
        result.append(
            StationFigures(
                s.pk,
                s.code,
                s.name,
                s.kind,
                labels.get(s.kind, s.kind),
                city,
                full_name,
                city if short_name is None else short_name,
                s.lng,
                s.lat,
                s.branch_code or "",
            )
        )
    branch_to = {s.branch_id: f for s, f in zip(stations, result, strict=True) if s.branch_id}
    if branch_to:
        branches = tuple(branch_to)

        def attached() -> QuerySet:
            if from_rollup:  # the same records' counts, kept by the triggers
                return (
                    visible_to(user, FlowTally.objects.filter(inflow_organization_id__in=branches))
                    .values_list("inflow_organization_id", "status")
                    .annotate(n=Sum("n"))
                    .order_by()
                )
            return station_queries.attached_counts(user, branches)

        key = ("analytics.attached", from_rollup, gate_key(user), branches)
        members = station_queries.station_members(user, branches, compiled.rows(key, attached))
        for branch_id, figures in branch_to.items():
            figures.attached = members[branch_id].attached
            figures.managed = members[branch_id].managed
    return result


def _open_stations(user: Any, org: Organization) -> list[Any]:
    """Open stations run in, or attached to a branch in, the organization's subtree, through
    the gate, by code (with their branch): read once per answer."""
    return _memo(("open_stations", id(user), org.pk), lambda: _read_open_stations(user, org))


class OpenStation(NamedTuple):
    """What the figures read of an open station (tuples: no model instances)."""

    pk: int
    code: str
    name: str
    kind: str
    organization_id: int
    branch_id: int | None
    branch_code: str | None
    place_id: str
    lng: float
    lat: float


def _read_open_stations(user: Any, org: Organization) -> list[OpenStation]:
    from liudong.stations.models import Station, StationStatus

    everything = _is_everything(org)  # the whole tree: every station is in it
    ids = () if everything else tuple(subtree_ids(org))

    def build() -> QuerySet:
        stations = Station.objects.filter(status=StationStatus.OPEN)
        if not everything:
            stations = stations.filter(Q(organization_id__in=ids) | Q(branch_id__in=ids))
        return (
            visible_to(user, stations)
            .order_by("code")
            .values_list(*OpenStation._fields[:6], "branch__code", *OpenStation._fields[7:])
        )

    key = ("analytics.open_stations", gate_key(user), everything, ids)
    return [OpenStation._make(row) for row in compiled.rows(key, build)]


# --- the dashboard ------------------------------------------------------------------------


@dataclass
class Dashboard:
    """Every figure of one organization's dashboard (cards read from here)."""

    organization: Organization
    basis: str
    filters: FigureFilter
    today: datetime.date
    tallies: dict[str, Tally]
    by_scope: dict[str, Tally]
    by_province: dict[str, Tally]
    liaison_catchment: Tally
    service_catchment: Tally
    co_managed: int
    stations: list[StationFigures]
    alerts: dict[str, int]
    target: Target
    rows: list[OrgRow]
    rows_total: OrgRow | None

    @property
    def coverage(self) -> list[Coverage]:
        return coverage_figures(self.tallies, self.target)

    @property
    def stations_by_kind(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for s in self.stations:
            counts[s.kind] += 1
        return dict(counts)

    def station_cities(self, kind: str) -> list[tuple[str, str, int]]:
        """(city code, name, stations of that kind there), most stations first."""
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for s in self.stations:
            if s.kind == kind:
                counts[(s.city_code, s.city_short)] += 1
        return sorted(((c, n, k) for (c, n), k in counts.items()), key=lambda r: (-r[2], r[0]))

    def as_dict(self) -> dict[str, Any]:
        from liudong.regions.queries import place_names

        names = place_names()
        return {
            "organization": {"code": self.organization.code, "name": self.organization.name},
            "basis": self.basis,
            "filters": self.filters.params(),
            "day": self.today.isoformat(),
            "members_found": self.tallies["all"].total,
            "totals": {k: t.as_dict() for k, t in self.tallies.items()},
            "by_scope": {k: t.as_dict() for k, t in self.by_scope.items()},
            "coverage": [c.as_dict() for c in self.coverage],
            "target": self.target.as_dict(),
            "outflow_under_liaison_stations": self.liaison_catchment.total,
            "inflow_under_service_stations": self.service_catchment.total,
            "co_managed_at_our_stations": self.co_managed,
            "stations": {
                "total": len(self.stations),
                "by_kind": self.stations_by_kind,
                "liaison_cities": [
                    {"city": c, "name": n, "stations": k}
                    for c, n, k in self.station_cities("liaison")
                ],
                "list": [s.as_dict() for s in self.stations],
            },
            "alerts": self.alerts,
            "by_province": {
                code: {"name": names(code + "0000")[0], **t.as_dict()}
                for code, t in sorted(self.by_province.items())
            },
            "rows": [r.as_dict() for r in self.rows],
            "rows_total": self.rows_total.as_dict() if self.rows_total else None,
        }


def dashboard(
    user: Any,
    org: Organization,
    flt: FigureFilter | None = None,
    *,
    today: datetime.date | None = None,
    with_rows: bool = True,
    from_rollup: bool | None = None,
) -> Dashboard:
    """Compute one organization's dashboard (uncached; see :func:`cached_dashboard`).

    From the rollup when it answers (see :func:`use_rollup`; ``from_rollup`` forces the
    choice), else from one scan of the records."""
    with figures_memo():
        return _dashboard(user, org, flt, today, with_rows, from_rollup)


def _dashboard(
    user: Any,
    org: Organization,
    flt: FigureFilter | None,
    today: datetime.date | None,
    with_rows: bool,
    from_rollup: bool | None,
) -> Dashboard:
    flt = flt or FigureFilter()
    today = today or timezone.localdate()
    basis = basis_for(org)
    _read_tree(org)
    summed = use_rollup(user, flt, from_rollup)
    rows, rows_total = ([], None)
    if basis == RESPONSIBLE:
        # One GROUP BY answers everything: the rows, the totals, the scopes and the areas.
        children = child_rows_of(org)
        everything = sees_everything(user, org, flt)
        if summed and everything:  # from the tables themselves: no queryset to build
            row_data = _summed_row_figures(None, None, org, children, everything=True)
        else:
            records = open_records(user, org, flt, basis=basis)
            tallies = tallies_for(user, org, flt, basis=basis) if summed else None
            row_data = row_figures(records, org, children, tallies, everything=everything)
        sums, cube_rows = _grouped(row_data, home_province())
        data = Cube(cube_rows)
        if with_rows:
            rows, rows_total = org_rows(user, org, flt, today=today, data=row_data, sums=sums)
    else:
        records = open_records(user, org, flt, basis=basis)
        data = cube(records, tallies_for(user, org, flt, basis=basis) if summed else None)
    if basis == RESPONSIBLE:
        stations = stations_in(user, org, from_rollup=summed)
    else:
        stations = _own_station(user, org, from_rollup=summed)
    catchments = _catchments(user, org)
    # One pass over the cube's rows fills every tally of the page.
    province = home_province()
    tallies = {k: Tally() for k in ("all", "in_province", "out_of_province", "outflow", "inflow")}
    by_scope = {key: Tally() for key in SCOPE_KEYS}
    by_province: dict[str, Tally] = defaultdict(Tally)
    liaison, service = Tally(), Tally()
    liaison_areas, service_areas = catchments["liaison"], catchments["service"]
    for direction, scope, status, prefecture, n, overdue in data.rows:
        tallies["all"].add(status, n, overdue)
        side = "in_province" if prefecture.startswith(province) else "out_of_province"
        tallies[side].add(status, n, overdue)
        if direction == Direction.OUTFLOW:
            tallies["outflow"].add(status, n, overdue)
            by_scope.setdefault(scope, Tally()).add(status, n, overdue)
            by_province[prefecture[:2]].add(status, n, overdue)
            if prefecture in liaison_areas:
                liaison.add(status, n, overdue)
        elif direction == Direction.INFLOW:
            tallies["inflow"].add(status, n, overdue)
            if prefecture in service_areas:
                service.add(status, n, overdue)
    by_scope[INFLOW_KEY] = tallies["inflow"]
    return Dashboard(
        organization=org,
        basis=basis,
        filters=flt,
        today=today,
        tallies=tallies,
        by_scope=by_scope,
        by_province=dict(by_province),
        liaison_catchment=liaison,
        service_catchment=service,
        co_managed=_co_managed(user, org, flt, summed) if basis == RESPONSIBLE else 0,
        stations=stations,
        alerts=_alerts(user, org),
        target=(
            rows_total.target
            if rows_total is not None and rows_total.target is not None
            else target_for(org, today.year, today.month)
        ),
        rows=rows,
        rows_total=rows_total,
    )


def _grouped(data: RowData, province: str) -> tuple[RowSums, list[tuple[Any, ...]]]:
    """One pass over the rows' data: summed by what a table row shows (row, direction,
    scope, status, in province: prefectures fold) for :func:`org_rows`, and over the row
    key, the cube's rows (direction, scope, status, prefecture, n, overdue). Hundreds of
    rows become a few dozen additions per tally."""
    sums: RowSums = {}
    merged: dict[tuple[str, str, str, str], list[int]] = {}
    for key, direction, scope, status, prefecture, n, overdue in data:
        group = (key, direction, scope, status, prefecture.startswith(province))
        slot = sums.get(group)
        if slot is None:
            sums[group] = [n, overdue]
        else:
            slot[0] += n
            slot[1] += overdue
        cell = (direction, scope, status, prefecture)
        slot = merged.get(cell)
        if slot is None:
            merged[cell] = [n, overdue]
        else:
            slot[0] += n
            slot[1] += overdue
    return sums, [(*cell, n, overdue) for cell, (n, overdue) in merged.items()]


def _own_station(user: Any, org: Organization, *, from_rollup: bool) -> list[StationFigures]:
    root = root_organization() or org
    found = stations_in(user, root, from_rollup=from_rollup)
    return [s for s in found if s.branch_code == org.code] or stations_in(
        user, org, from_rollup=from_rollup
    )


def _catchments(user: Any, org: Organization) -> dict[str, set[str]]:
    """The prefectures (4 digits) hosting open stations of each kind, city-wide: members
    living there are "under" those stations whichever county runs them."""
    from liudong.stations.models import Station, StationStatus

    found: dict[str, set[str]] = {"liaison": set(), "service": set()}
    if _is_everything(org) and scope_of(user).kind == ScopeKind.ALL:
        # Every open station, as read for the page already.
        pairs = [(s.kind, s.place_id) for s in _open_stations(user, org)]
    else:
        pairs = list(
            Station.objects.filter(status=StationStatus.OPEN).values_list("kind", "place_id")
        )
    for kind, place in pairs:
        found.setdefault(kind, set()).add(place[:4])
    return found


def _co_managed(user: Any, org: Organization, flt: FigureFilter, from_rollup: bool) -> int:
    """Other organizations' outflow members attached to stations in this subtree."""
    if _is_everything(org):
        return 0
    ids = subtree_ids(org)
    if from_rollup:
        tallies = FlowTally.objects.filter(
            direction=Direction.OUTFLOW, inflow_organization_id__in=ids
        ).exclude(home_organization_id__in=ids)
        tallies = flt.apply(visible_to(user, tallies))
        return int(tallies.aggregate(n=Sum("n"))["n"] or 0)
    records = FlowRecord.objects.filter(
        is_open=True, direction=Direction.OUTFLOW, inflow_organization_id__in=ids
    ).exclude(home_organization_id__in=ids)
    return flt.apply(visible_to(user, records)).count()


def _alerts(user: Any, org: Organization) -> dict[str, int]:
    """Open alerts by kind, for the organizations of the subtree (the responsible side)."""
    everything = _is_everything(org)
    ids = () if everything else tuple(subtree_ids(org))

    def build() -> QuerySet:
        alerts = Alert.objects.filter(resolved=False)
        if not everything:
            alerts = alerts.filter(organization_id__in=ids)
        return visible_to(user, alerts).values_list("kind").annotate(n=Count("id")).order_by()

    return dict(compiled.rows(("analytics.alerts", gate_key(user), everything, ids), build))


# --- the map ------------------------------------------------------------------------------


def distribution(
    user: Any,
    org: Organization,
    flt: FigureFilter,
    *,
    level: str = "province",
    parent: str = "",
    from_rollup: bool | None = None,
) -> dict[str, Any]:
    """Members by area of the map: destination (outflow) or origin (inflow) provinces,
    a province's prefectures, a prefecture's counties, with every figure of a
    :class:`Tally` (contact overdue included) at every level, so the areas below a
    province add up to it. Codes are six digits.

    Provinces and prefectures by destination come from the rollup; a prefecture's
    counties and the inflow members' origins read the records (slower at a million)."""
    inflow = flt.direction == Direction.INFLOW
    if not inflow:  # the map shows outflow by destination unless asked for inflow
        flt = replace(flt, direction=Direction.OUTFLOW)
    place = "origin_place_id" if inflow else "destination_place_id"
    digits = {"province": 2, "prefecture": 4, "county": 6}.get(level, 2)
    records = open_records(user, org, flt)
    if parent and digits > 2:
        records = records.filter(**{f"{place[:-3]}__code__startswith": parent[: digits - 2]})
    records = records.annotate(area=Substr(place, 1, digits))
    rows: Iterable[tuple[Any, ...]]
    if not inflow and digits <= 4 and use_rollup(user, flt, from_rollup):
        tallies = tallies_for(user, org, flt)
        if parent and digits > 2:
            tallies = tallies.filter(prefecture__startswith=parent[: digits - 2])
        # The tally's counts with today's overdue (the anchor's plus the day's correction
        # from the same area's records), as every other figure read from the rollup.
        tallies = tallies.annotate(area=Substr("prefecture", 1, digits))
        rows = tally_rows(tallies, ("area", "status"), records)
    else:
        rows = (
            records.values_list("area", "status")
            .annotate(n=Count("id"), overdue=Count("id", filter=_overdue()))
            .order_by()
        )
    areas: dict[str, Tally] = defaultdict(Tally)
    for area, status, n, overdue in rows:
        if n:
            areas[area].add(status, n, overdue)
    pad = "0" * (6 - digits)
    return {
        "level": level,
        "parent": parent,
        "direction": flt.direction or Direction.OUTFLOW,
        "areas": [
            {"code": code + pad, "name": _place_name(code + pad), **tally.as_dict()}
            for code, tally in sorted(areas.items())
        ],
    }


def _place_name(code: str) -> str:
    from liudong.regions.queries import place_full_name

    return place_full_name(code) or code


def flow_lines(user: Any, org: Organization, flt: FigureFilter, *, top: int = 40) -> dict:
    """The migration view: home county → destination city, the ``top`` biggest flows
    (inflow: the member's home city → the county they live in)."""
    from liudong.regions.models import Place

    inflow = flt.direction == Direction.INFLOW
    records = open_records(user, org, flt)
    if inflow:
        source, target = Substr("origin_place_id", 1, 4), F("destination_place_id")
    else:
        source, target = F("origin_place_id"), Substr("destination_place_id", 1, 4)
    rows = list(
        records.annotate(line_from=source, line_to=target)
        .values_list("line_from", "line_to")
        .annotate(n=Count("id"))
        .order_by("-n", "line_from", "line_to")[:top]
    )
    codes = {c if len(c) == 6 else c + "00" for a, b, _n in rows for c in (a, b)}
    places = {
        code: (short or name, lng, lat)
        for code, short, name, lng, lat in Place.objects.filter(code__in=codes).values_list(
            "code", "short_name", "name", "lng", "lat"
        )
    }
    lines = []
    for a, b, n in rows:
        a_code = a if len(a) == 6 else a + "00"
        b_code = b if len(b) == 6 else b + "00"
        start, end = places.get(a_code), places.get(b_code)
        if not (start and end and start[1] is not None and end[1] is not None):
            continue
        lines.append(
            {
                "from": a_code,
                "from_name": start[0],
                "to": b_code,
                "to_name": end[0],
                "coords": [[start[1], start[2]], [end[1], end[2]]],
                "n": n,
            }
        )
    return {"direction": flt.direction or Direction.OUTFLOW, "lines": lines}


# --- the cache ----------------------------------------------------------------------------

CACHE_VERSION_KEY = "analytics:version"


def cache_seconds() -> int:
    return int(getattr(settings, "LIUDONG_DASHBOARD_CACHE_SECONDS", 60))


def bump_version(**_kwargs: Any) -> None:
    """A ledger write: cached figures of the older version are no longer read."""
    try:
        cache.incr(CACHE_VERSION_KEY)
    except ValueError:
        cache.set(CACHE_VERSION_KEY, 2, None)


def cache_key(user: Any, *parts: Any) -> str:
    """The key of a cached answer: the language, the gate's key and the parameters
    (``core.cachekeys.page_key``), under the current version."""
    version = cache.get(CACHE_VERSION_KEY) or 1
    return page_key(f"analytics:{version}", user, *parts)


def cached(user: Any, parts: tuple[Any, ...], compute: Any) -> Any:
    """``compute()``'s JSON-ready answer, cached per language, scope and parameters for a
    short time (TTL, plus a version bumped by every flow-record write)."""
    key = cache_key(user, *parts)
    found = cache.get(key)
    if found is not None:
        return found
    value = compute()
    cache.set(key, value, cache_seconds())
    return value


def cached_dashboard(user: Any, org: Organization, flt: FigureFilter) -> dict[str, Any]:
    return cached(
        user,
        ("dashboard", org.pk, flt.params(), timezone.localdate().isoformat()),
        lambda: dashboard(user, org, flt).as_dict(),
    )


# --- snapshots and trends -----------------------------------------------------------------

SNAPSHOT_KEYS = (
    "found",
    "managed",
    "lost",
    "overdue",
    "inflow",
    "in_province",
    "in_province_managed",
    "out_of_province",
    "out_of_province_managed",
    "within_county",
    "out_of_county",
    "out_of_city",
    "out_of_province_outflow",
    "stations",
    "branches",
)


def snapshot_figures(row: OrgRow) -> dict[str, int]:
    return {
        "found": row.all.total,
        "managed": row.all.managed,
        "lost": row.all.lost,
        "overdue": row.all.overdue,
        "inflow": row.inflow.total,
        "in_province": row.in_province.total,
        "in_province_managed": row.in_province.managed,
        "out_of_province": row.out_of_province.total,
        "out_of_province_managed": row.out_of_province.managed,
        "within_county": row.outflow[FlowScope.WITHIN_COUNTY].total,
        "out_of_county": row.outflow[FlowScope.OUT_OF_COUNTY].total,
        "out_of_city": row.outflow[FlowScope.OUT_OF_CITY].total,
        "out_of_province_outflow": row.outflow[FlowScope.OUT_OF_PROVINCE].total,
        "stations": row.stations,
        "branches": row.branches,
    }


def trend(user: Any, org: Organization, *, days: int = 400) -> dict[str, Any]:
    """Coverage over time from the snapshots of the organization, with the target lines."""
    since = timezone.localdate() - datetime.timedelta(days=days)
    snapshots = visible_to(
        user, Snapshot.objects.filter(organization=org, day__gte=since).order_by("day")
    )
    points = []
    for snap in snapshots.only("day", "figures", "demo"):
        f = snap.figures
        target = target_for(org, snap.day.year, snap.day.month)
        points.append(
            {
                "day": snap.day.isoformat(),
                "demo": snap.demo,
                "found": f.get("found", 0),
                "in_province": _percent(f.get("in_province_managed"), f.get("in_province")),
                "out_of_province": _percent(
                    f.get("out_of_province_managed"), f.get("out_of_province")
                ),
                "all": _percent(f.get("managed"), f.get("found")),
                "target_in_province": float(target.in_province),
                "target_out_of_province": float(target.out_of_province),
            }
        )
    return {"organization": org.code, "points": points}


def _percent(part: Any, whole: Any) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None
