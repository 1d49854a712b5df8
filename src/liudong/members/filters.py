"""The ledgers' filters: read from the URL (so a view can be bookmarked and shared), applied
to a queryset of flow records or members, and written back into links.

Organization filters (county, township, branch) take an organization code and mean its
subtree; codes outside the viewer's scope are refused like unknown ones (no leak).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlencode

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from liudong.core import crypto, masking
from liudong.core.errors import DomainError
from liudong.members import idnumber
from liudong.members.models import OPEN_STATUSES, FlowStatus
from liudong.orgs.filters import organization_for_code, subtree_ids_for_code

_PLACE_CODE = re.compile(r"\d{6}")
_SPACE = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_PINYIN = re.compile(r"[a-z]+")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,32}")


# Sort keys offered as column headers: key -> the ordering columns (ascending).
FLOW_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("member__name_pinyin",),
    "home": ("home_organization__path", "member__home_organization_name"),
    "destination": ("destination_place_id",),
    "origin": ("origin_place_id",),
    "reason": ("reason",),
    "left_on": ("left_on",),
    "station": ("inflow_organization__name",),
    "status": ("status",),
    "last_contact": ("last_contact_on",),
}
FLOW_DEFAULT_SORT = "-left_on"

MEMBER_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name_pinyin",),
    "home": ("home_organization__path", "home_organization_name"),
    "joined_on": ("joined_on",),
    "created": ("created_at",),
}
MEMBER_DEFAULT_SORT = "name"

# Columns that may be empty: empty values go last whichever way, on every database.
# (The others sort plainly, so an index on them can serve the order.)
NULLABLE_SORT_COLUMNS = {
    "home_organization__path",
    "inflow_organization__name",
    "last_contact_on",
    "joined_on",
}


@dataclass(frozen=True)
class LedgerFilter:
    """The filters of one ledger view, as given in the URL (strings, cleaned)."""

    q: str = ""
    county: str = ""
    township: str = ""
    branch: str = ""
    province: str = ""
    city: str = ""
    status: str = ""
    station: str = ""
    reason: str = ""
    overdue: bool = False
    sort: str = ""
    # A server-side search token (members/search.py): an exact search by a full ID or phone
    # number, which never travels in the URL itself.
    search: str = ""
    # What the token stands for, once the view resolved it (never a URL parameter).
    exact: ExactSearch | None = field(default=None, compare=False)

    PARAMS = (
        "q",
        "county",
        "township",
        "branch",
        "province",
        "city",
        "status",
        "station",
        "reason",
        "overdue",
        "sort",
        "search",
    )

    @classmethod
    def from_params(cls, params: Mapping[str, Any] | None) -> LedgerFilter:
        params = params or {}

        def text(name: str, limit: int = 60) -> str:
            value = params.get(name) or ""
            # Cut, then trimmed again: a link written from the filter reads back the same.
            return _SPACE.sub(" ", str(value)).strip()[:limit].rstrip()

        status = text("status")
        if status not in FlowStatus.values and status not in ("open", "none"):
            status = ""
        province, city = text("province"), text("city")
        province = province if _PLACE_CODE.fullmatch(province) else ""
        city = city if _PLACE_CODE.fullmatch(city) else ""
        overdue = text("overdue").lower() in {"1", "true", "yes", "on"}
        return cls(
            q=text("q", 40),
            county=text("county", 32),
            township=text("township", 32),
            branch=text("branch", 32),
            province=province,
            city=city,
            status=status,
            station=text("station", 32),
            reason=text("reason", 20),
            overdue=overdue,
            sort=text("sort", 20),
            search=search if _TOKEN.fullmatch(search := text("search", 32)) else "",
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """The non-empty filters as URL parameters (``changes`` override)."""
        values = replace(self, **changes) if changes else self
        out: dict[str, str] = {}
        for f in fields(values):
            if f.name == "exact":
                continue
            value = getattr(values, f.name)
            if value is True:
                out[f.name] = "1"
            elif value:
                out[f.name] = str(value)
        return out

    def querystring(self, **changes: Any) -> str:
        return urlencode(self.params(**changes))

    @property
    def active(self) -> bool:
        return bool({k for k in self.params() if k != "sort"})


# --- search ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExactSearch:
    """An exact search by a full number, as its keyed hash: ``kind`` is "id_number" or
    "phone"; ``masked`` is what the page shows. The number itself is not kept."""

    kind: str
    index: str
    masked: str


def exact_search(q: str) -> ExactSearch | None:
    """A full ID number or mobile number as an exact search, else None."""
    compact = "".join(idnumber.normalize(q or "").split())
    if len(compact) == 18 and compact[:17].isdigit():
        index = crypto.blind_index(compact, purpose="id_number")
        return ExactSearch("id_number", index, crypto.mask_id_number(compact))
    phone = compact.replace("-", "").removeprefix("+86")
    if len(phone) == 11 and phone.isdigit():
        index = crypto.blind_index(phone, purpose="phone")
        return ExactSearch("phone", index, crypto.mask_phone(phone))
    return None


def exact_condition(exact: ExactSearch, prefix: str = "") -> Q:
    return Q(**{f"{prefix}{exact.kind}_index": exact.index})


def search_condition(q: str, prefix: str = "") -> Q | None:
    """Name, pinyin ("zhangsan") or initials ("zs"), a full ID number or mobile number.

    ``prefix`` reaches the member from the queried model ("member__" for flow records).
    ID and phone numbers are matched through their keyed hash (exact only): the stored
    ciphertext cannot be searched, and a partial number would reveal too much.
    """
    q = (q or "").strip()
    if not q:
        return None
    exact = exact_search(q)
    if exact is not None:
        return exact_condition(exact, prefix)
    if _CJK.search(q):
        return Q(**{f"{prefix}name__contains": "".join(q.split())})
    letters = "".join(q.lower().split())
    if _PINYIN.fullmatch(letters):
        # name_pinyin holds "zhangsan zs": full pinyin first, then the initials.
        return Q(**{f"{prefix}name_pinyin__startswith": letters}) | Q(
            **{f"{prefix}name_pinyin__contains": " " + letters}
        )
    return Q(**{f"{prefix}name__icontains": q})


def filter_search_condition(flt: LedgerFilter, prefix: str = "") -> Q | None:
    """The search of a ledger filter: an exact search by its token, or the text."""
    if flt.exact is not None:
        return exact_condition(flt.exact, prefix)
    if flt.search:
        raise DomainError(
            "search_expired", _("This search has expired: type the number again."), "q"
        )
    return search_condition(flt.q, prefix)


def refuse_personal_in_url(flt: LedgerFilter) -> None:
    """A full number typed into the address itself is refused (the access log has it now):
    pages search it by POST (members/search.py), the API by its POST search."""
    if masking.is_personal(flt.q):
        raise DomainError(
            "personal_data_in_url",
            _(
                "A full ID or mobile number is not searched from the address: type it in the "
                "search box, which sends it without putting it in the address."
            ),
            "q",
        )


# --- organizations -----------------------------------------------------------------------


def org_paths(user: Any, flt: LedgerFilter) -> list[str]:
    """The subtree paths the filter asks for (each narrows the last); raises ScopeError
    (``org_not_found``) for a code that is unknown or outside the user's scope."""
    return [
        organization_for_code(user, code).path
        for code in (flt.county, flt.township, flt.branch)
        if code
    ]


def org_subtree_ids(user: Any, flt: LedgerFilter) -> list[list[Any]]:
    """The organization ids of each subtree the filter asks for (one query each), as
    :func:`org_paths` would give their paths; the same ScopeError."""
    return [
        subtree_ids_for_code(user, code) for code in (flt.county, flt.township, flt.branch) if code
    ]


def order_by(
    queryset: QuerySet, sort: str, sorts: dict[str, tuple[str, ...]], default: str
) -> tuple[QuerySet, str]:
    """Order by a whitelisted column ("name", "-left_on"); the id breaks ties so pages are
    stable. Returns the queryset and the sort actually used."""
    key = sort.removeprefix("-")
    if key not in sorts:
        sort, key = default, default.removeprefix("-")
    descending = sort.startswith("-")
    columns = []
    for column in sorts[key]:
        expression = F(column)
        if column in NULLABLE_SORT_COLUMNS:
            columns.append(
                expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
            )
        else:
            columns.append(expression.desc() if descending else expression.asc())
    columns.append(F("id").desc() if descending else F("id").asc())
    return queryset.order_by(*columns), sort


def status_condition(status: str) -> Q:
    """No status (or "open"): the open records, the ledger itself; an open status: those
    of them; a closed status: the records closed that way (history stays findable)."""
    if status not in FlowStatus.values:
        return Q(is_open=True)
    if status in OPEN_STATUSES:
        return Q(is_open=True, status=status)
    return Q(is_open=False, status=status)
