"""The headline figures' written definitions (统计口径), one place (issue 12 item 2,
decision 95 for the side a record counts under).

Each headline figure of the dashboard and the monthly report has one definition here: its
name, the text shown beside it wherever it is shown (the dashboard's cards, the report, the
API's ``definitions``), and, for the figures that name a relationship, the query that
counts exactly that relationship. The pages and the API read the texts from
:func:`definitions`; nobody else restates them.

"Served by a station" (联系服务) is a relationship between a record and a station, never
the place the member went to:

- the record is **attached** to the station: its receiving side is the station's mobile
  branch (checked in and confirmed there, managed or awaiting management there);
- or the member **checked in** at the station and awaits its answer (an active check-in);
- or the station's staff **recorded a contact** with the member in the period (the
  :data:`CONTACT_PERIOD_DAYS` days up to the day of the figures).

A member merely living in a city that has a station is not counted.

:func:`served_records` is the written rule. The dashboard counts it in a fast form
(decisions 125–127): each record's ``last_served_on``, kept by database triggers (analytics
migration 0006), counted in the rollup, but for a pending check-in, added at read time
(migration 0007, decisions 128–129: the check-in's hot path writes no record or tally);
``tests/analytics/test_served_rollup.py`` holds the two equal.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from liudong.analytics.figures import reader
from liudong.analytics.figures.coverage import Tally
from liudong.analytics.figures.filters import FigureFilter
from liudong.members.models import Contact, Direction
from liudong.orgs.models import Organization

# The period of "a recorded contact by its staff": a year up to the day of the figures.
CONTACT_PERIOD_DAYS = 365

LIAISON, SERVICE = "liaison", "service"


@dataclass(frozen=True)
class Definition:
    key: str
    name: str | Promise
    text_source: str | Promise  # translated when read; ``%(days)d`` filled in then

    @property
    def text(self) -> str:
        return str(self.text_source) % {"days": CONTACT_PERIOD_DAYS}

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "name": str(self.name), "text": self.text}


_DEFINITIONS = (
    Definition(
        "members_found",
        _("Mobile members (open records)"),
        _(
            "Members with an open flow record (registered, managed or lost contact) counted "
            "for this organization: outflow members under their home organization, inflow "
            "members under the county where they live (the station's branch where the place "
            "has no county committee). Each member counts once; the counties add up to the "
            "city."
        ),
    ),
    Definition(
        "outflow_under_liaison_stations",
        _("Outflow members served by the liaison stations"),
        _(
            "Open outflow records of this organization's members served by an open liaison "
            "station: attached to the station (checked in and confirmed, managed or awaiting "
            "management there), checked in there and awaiting its answer, or with a contact "
            "recorded by the station's staff in the last %(days)d days. Living in a city "
            "that has a station is not enough."
        ),
    ),
    Definition(
        "inflow_under_service_stations",
        _("Inflow members served by the service stations"),
        _(
            "Open inflow records counted for this organization served by an open service "
            "station: attached to the station, checked in there and awaiting its answer, or "
            "with a contact recorded by the station's staff in the last %(days)d days."
        ),
    ),
    Definition(
        "in_province",
        _("Coverage in province"),
        _(
            "Of this organization's own outflow members living in the home province (open "
            "records), the share managed (纳管). Inflow members are not in it: see inflow "
            "coverage."
        ),
    ),
    Definition(
        "out_of_province",
        _("Coverage out of province"),
        _(
            "Of this organization's own outflow members living outside the home province "
            "(open records), the share managed."
        ),
    ),
    Definition(
        "inflow",
        _("Inflow coverage"),
        _(
            "Of the inflow members counted for this organization (open records), the share "
            "managed by a receiving side here."
        ),
    ),
    Definition(
        "stations",
        _("Stations"),
        _(
            "Open liaison stations (set up in the cities where members work) and service "
            "stations (at home), run by this organization's subtree or attached to a branch "
            "in it."
        ),
    ),
)
BY_KEY = {d.key: d for d in _DEFINITIONS}


def definitions() -> list[Definition]:
    """Every headline figure's definition, in the order the dashboard shows them."""
    return list(_DEFINITIONS)


def definition(key: str) -> Definition:
    return BY_KEY[key]


def as_dicts() -> dict[str, dict[str, str]]:
    """Every definition as the dashboard's API gives it, by key, in the active language:
    translated once per language in a process (the texts do not change while it runs)."""
    return {key: dict(values) for key, values in _as_dicts(translation.get_language()).items()}


@functools.lru_cache(maxsize=32)
def _as_dicts(language: str | None) -> dict[str, dict[str, str]]:
    return {d.key: d.as_dict() for d in _DEFINITIONS}


def served_condition(kind: str, since: datetime.date) -> Q:
    """Records served by an open station of ``kind`` (see the module's text): attached to
    its branch, an active check-in there, or a contact by its branch on or after
    ``since``."""
    from liudong.stations.models import ACTIVE_CHECK_IN, CheckIn, Station, StationStatus

    stations = Station.objects.filter(status=StationStatus.OPEN, kind=kind)
    branches = stations.filter(branch__isnull=False).values("branch_id")
    contacted = Contact.objects.filter(organization_id__in=branches, contacted_on__gte=since)
    checked_in = CheckIn.objects.filter(station__in=stations, status__in=ACTIVE_CHECK_IN)
    return (
        Q(inflow_organization_id__in=branches)
        | Q(pk__in=checked_in.values("flow_id"))
        | Q(pk__in=contacted.values("flow_id"))
    )


def served_records(
    user: Any,
    org: Organization,
    kind: str,
    flt: FigureFilter | None = None,
    *,
    today: datetime.date | None = None,
) -> QuerySet:
    """The open records counted for ``org`` (its side, through the gate, filtered) that a
    station of ``kind`` serves: outflow for the liaison stations, inflow for the service
    stations."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=CONTACT_PERIOD_DAYS)
    direction = Direction.OUTFLOW if kind == LIAISON else Direction.INFLOW
    return (
        reader.open_records(user, org, flt)
        .filter(direction=direction)
        .filter(served_condition(kind, since))
    )


def served(
    user: Any,
    org: Organization,
    kind: str,
    flt: FigureFilter | None = None,
    *,
    today: datetime.date | None = None,
) -> Tally:
    """:func:`served_records` counted by status."""
    tally = Tally()
    rows = (
        served_records(user, org, kind, flt, today=today)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for status, n in rows:
        tally.add(status, n)
    return tally
