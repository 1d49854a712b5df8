"""Row checks: raw cell values in, a normalized row or its problems out.

Every cell is read defensively (numbers, floats, dates, text with full-width characters
and stray spaces, formulas), then the member and the flow record are checked by the
ledger's own rules on plain values (:func:`liudong.members.actions.check_member_values`
and :func:`~liudong.members.actions.check_flow_values`, which ``prepare_member`` and
``prepare_flow`` run for the forms), so a census row is held to exactly the rules of the
member form, without building model instances. Nothing here writes; no exception but a bug escapes
:func:`check_row` (a property test feeds it random cells).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from liudong.census import formats, keys
from liudong.census.columns import BY_KEY, COLUMNS, choice_lookup
from liudong.codes import queries as codes
from liudong.core import crypto
from liudong.core.errors import DomainError
from liudong.members import actions as ledger
from liudong.members import idnumber
from liudong.members.models import (
    Direction,
    FlowRecord,
    FlowScope,
    FlowStatus,
    Member,
    Membership,
)
from liudong.orgs.models import BRANCH_KINDS, Organization, OrgKind
from liudong.regions import queries as regions
from liudong.regions.models import Place

MAX_TEXT = 200  # a cell without a ledger field of its own (codes, places, organizations)
# Ledger fields -> census columns, for the ledger's errors.
FIELD_TO_COLUMN = {
    "name": "name",
    "id_number": "id_number",
    "birth_date": "id_number",
    "sex": "sex",
    "ethnicity": "ethnicity",
    "education": "education",
    "joined_on": "joined_on",
    "phone": "phone",
    "home_organization": "organization",
    "inflow_organization": "organization",
    "direction": "direction",
    "origin_place": "origin",
    "destination_place": "destination",
    "reason": "reason",
    "left_on": "left_on",
    "expected_return_on": "expected_return_on",
    # before departure (issue 12 item 6): the same names
    "briefed_on": "briefed_on",
    "briefed_by": "briefed_by",
    "briefing_notes": "briefing_notes",
    "certificate_number": "certificate_number",
    "keep_contact": "keep_contact",
    "keep_contact_detail": "keep_contact_detail",
}


# The longest text a column may hold: its ledger field's own length, so a row is told the
# rule the ledger keeps (a 41-character name is refused as the member form refuses it).
MAX_LENGTH = {
    "name": Member._meta.get_field("name").max_length,
    "home_organization_name": Member._meta.get_field("home_organization_name").max_length,
    "destination_address": FlowRecord._meta.get_field("destination_address").max_length,
    "employer": FlowRecord._meta.get_field("employer").max_length,
    **{
        key: FlowRecord._meta.get_field(key).max_length
        for key in ("briefed_by", "briefing_notes", "certificate_number", "keep_contact_detail")
    },
}


class CellProblem(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)


@dataclass
class Problem:
    column: str | None  # column key; None: the whole row
    code: str
    message: str


@dataclass
class CheckedRow:
    row_number: int
    problems: list[Problem] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    id_number_index: str = ""
    id_number_masked: str = ""
    name: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


class FileContext:
    """What checking a county's file needs, read once: its organizations, places, choices."""

    def __init__(self, county: Organization, today: datetime.date | None = None) -> None:
        self.county = county
        self.today = today or timezone.localdate()  # once per file
        self.county_place = county.place
        orgs = Organization.objects.filter(
            path__startswith=county.path, kind__in=BRANCH_KINDS, active=True
        ).select_related("place")
        self.organizations: dict[str, Organization] = {}
        self.organization_names: list[str] = []
        by_name: dict[str, list[Organization]] = {}
        for org in orgs:
            by_name.setdefault(org.name, []).append(org)
        for name, found in sorted(by_name.items()):
            for org in found:
                label = name if len(found) == 1 else f"{name}（{org.code}）"
                self.organization_names.append(label)
                for text in (label, org.code, f"{name}({org.code})", f"{name}{org.code}"):
                    self.organizations[_fold(text)] = org
                if len(found) == 1:
                    self.organizations[_fold(name)] = org
        # Stations (mobile members' branches) are resolved city-wide: an inflow member living
        # in this county may be served by a station the city seat runs.
        city_path = county.parent.path if county.parent_id else county.path
        self.stations: dict[str, Organization] = {}
        stations = Organization.objects.filter(
            path__startswith=city_path, kind=OrgKind.MOBILE_BRANCH, active=True
        ).order_by("code")
        for station in stations:
            for text in (station.code, f"{station.name}({station.code})"):
                self.stations[_fold(text)] = station
            self.stations.setdefault(_fold(station.name), station)
        self.station_names = [s.name for s in stations]
        # Where a stay may be: counties, and cities without counties (东莞; decision 97).
        self.counties = {p.code: p for p in regions.settlements()}
        self.records: dict[int, FlowRecord] = {}  # a chunk's keyed records (census.keys)
        # A keyed row's own organizations, which stand even outside the county (a member
        # received here whose membership is elsewhere in the city): this row's only.
        self.row_organizations: dict[str, Organization] = {}
        self.choices = {
            key: choice_lookup(key) for key in ("direction", "flow_scope", "status", "keep_contact")
        }
        self._places: dict[str, Any] = {}
        self.codes: dict[tuple[str, str], str | CellProblem] = {}
        # Cell text -> clean text, per column, for the texts that repeat (codes, places,
        # organizations): at most TEXT_CACHE a column, so columns of names stay small.
        self.texts: dict[str, dict[str, str]] = {c.key: {} for c in COLUMNS}

    def place(self, text: str) -> Place:
        """Free text to a county-level place, memoized per file (addresses repeat a lot)."""
        if text not in self._places:
            try:
                code = regions.resolve_code(text)
                place = self.counties.get(code)
                if place is None:
                    raise CellProblem(
                        "place_not_county",
                        _("“%(text)s” is not precise enough: name the county or district.")
                        % {"text": text[:40]},
                    )
                self._places[text] = place
            except DomainError as exc:
                self._places[text] = CellProblem(exc.code, exc.message)
            except CellProblem as exc:
                self._places[text] = exc
        found = self._places[text]
        if isinstance(found, CellProblem):
            raise CellProblem(found.code, found.message)  # a fresh one: no traceback kept
        return found


def _fold(text: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).casefold()


# --- cells --------------------------------------------------------------------------------

TEXT_CACHE = 2_000  # distinct texts kept per column and file (FileContext.texts)
_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


def text(value: Any, *, keep_inner_spaces: bool = True, limit: int = MAX_TEXT) -> str:
    """Cell to clean text: full width folded, stray and repeated spaces removed; at most
    ``limit`` characters."""
    if value.__class__ is not str:  # text cells first: they are most of a file
        if value is None:
            return ""
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime.date):  # datetime.datetime too
            return value.isoformat()[:10]
        value = str(value)
    folded = unicodedata.normalize("NFKC", value)
    if not folded.isprintable():  # control characters out (tabs and newlines become spaces)
        folded = "".join(
            ch if unicodedata.category(ch)[0] != "C" else " " if ch in "\t\n\r" else ""
            for ch in folded
        )
    if folded.lstrip().startswith("="):
        # Made here, not once at import: the message is in the language of the file's job.
        raise CellProblem(
            "formula",
            _("This cell holds a formula: replace it by its value (copy, paste values)."),
        )
    parts = folded.split()
    joined = " ".join(parts) if keep_inner_spaces else "".join(parts)
    if len(joined) > limit:
        raise CellProblem("text_too_long", _("At most %(n)d characters here.") % {"n": limit})
    return joined


def date(value: Any) -> datetime.date | None:
    """A date from a date cell, an Excel serial number, or text (2023-05-01, 2023/5/1,
    2023年5月1日, 20230501)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        raise CellProblem("date_invalid", _("Enter a date such as 2023-05-01."))
    if isinstance(value, int | float):
        if 19000101 <= value <= 21001231 and float(value).is_integer():
            return date(str(int(value)))
        if 1 <= value < 2958466:
            try:
                return formats.excel_date(value)
            except (ValueError, OverflowError, TypeError) as exc:
                raise CellProblem("date_invalid", _("Enter a date such as 2023-05-01.")) from exc
        raise CellProblem("date_invalid", _("Enter a date such as 2023-05-01."))
    clean = text(value, keep_inner_spaces=False)
    if not clean:
        return None
    match = _DATE_TEXT.fullmatch(clean) or _COMPACT_DATE.fullmatch(clean)
    if match is None:
        raise CellProblem("date_invalid", _("Enter a date such as 2023-05-01."))
    try:
        return datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise CellProblem("date_invalid", _("This date does not exist.")) from exc


def id_number(value: Any) -> str:
    """The ID number as text; numbers stored as numbers lost their last digits."""
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int | float):
        return _id_number_from_number(value)
    clean = idnumber.normalize(text(value, keep_inner_spaces=False))
    if clean.endswith(".0") and len(clean) == 20:  # a number pasted as text
        clean = clean[:-2]
    return clean


def _id_number_from_number(value: int | float) -> str:
    """An ID number typed into a number cell. Excel keeps 15 significant digits, so an
    18-digit number ends in 000 (and shows as 6.20821E+17); an old 15-digit number survives
    whole. Messages show the number masked as the ledger masks it, never in full."""
    whole = int(value) if isinstance(value, int) or value.is_integer() else None
    digits = str(whole) if whole is not None and whole > 0 else ""
    if len(digits) == 18:
        try:
            return idnumber.parse(digits).number  # an exact integer cell: nothing was lost
        except DomainError:
            pass
        mantissa, exponent = f"{float(value):.14e}".split("e")  # Excel's 15 digits
        kept = mantissa.replace(".", "").ljust(int(exponent) + 1, "0")
        raise CellProblem(
            "id_number_as_number",
            _(
                "This ID number was stored as a number, so Excel kept only its first 15 "
                "digits and made the last ones 0 (the cell now holds %(kept)s; Excel shows "
                "it as %(shown)s). Format the column as text and type the number again."
            )
            % {"kept": crypto.mask_id_number(kept), "shown": f"{float(value):.5E}"},
        )
    if len(digits) == 15:
        return digits  # all there: the ID number rule tells it is an old 15-digit number
    raise CellProblem(
        "id_number_as_number",
        _(
            "This ID number was stored as a number, not as text. Format the column as text "
            "and type the 18 characters of the number again."
        ),
    )


# --- rows ---------------------------------------------------------------------------------


def _code(ctx: FileContext, key: str, raw: str) -> str:
    if not raw:
        return ""
    memo = (key, raw)
    found = ctx.codes.get(memo)
    if found is None:
        found = ctx.codes[memo] = _read_code(key, raw)
    if isinstance(found, CellProblem):
        raise CellProblem(found.code, found.message)  # a fresh one: no traceback kept
    return found


def _read_code(key: str, raw: str) -> str | CellProblem:
    """A code cell's code, or its problem (memoized per file: the same words repeat)."""
    column = BY_KEY[key]
    code = codes.code_for_label(column.table, raw)
    if code is None or not codes.is_active(column.table, code):
        return CellProblem(
            "code_unknown",
            _("“%(text)s” is not in the list for “%(column)s”: pick from the drop-down.")
            % {"text": raw[:40], "column": column.header},
        )
    return code


def _choice(ctx: FileContext, key: str, raw: str) -> str:
    if not raw:
        return ""
    value = ctx.choices[key].get(_fold(raw))
    if value is None:
        raise CellProblem(
            "choice_unknown",
            _("“%(text)s” is not in the list for “%(column)s”: pick from the drop-down.")
            % {"text": raw[:40], "column": BY_KEY[key].header},
        )
    return value


def _organization(ctx: FileContext, raw: str) -> Organization | None:
    if not raw:
        return None
    org = ctx.organizations.get(_fold(raw)) or ctx.row_organizations.get(_fold(raw))
    if org is None:
        raise CellProblem(
            "organization_unknown",
            _("“%(text)s” is not a branch of this county: pick from the drop-down.")
            % {"text": raw[:60]},
        )
    return org


def _station(ctx: FileContext, raw: str) -> Organization | None:
    if not raw:
        return None
    station = ctx.stations.get(_fold(raw))
    if station is None:
        raise CellProblem(
            "station_unknown",
            _("“%(text)s” is not a station of the city: pick from the drop-down.")
            % {"text": raw[:60]},
        )
    return station


def check_row(ctx: FileContext, row_number: int, raw: dict[str, Any]) -> CheckedRow:
    """Check one data row (``raw``: column key -> cell value as openpyxl gives it)."""
    row = CheckedRow(row_number)
    expected = None
    ctx.row_organizations = {}
    if keys.keyed(raw):  # an exported ledger read back: the row its key names, edited
        raw, expected, refused = keys.prepare(ctx, raw)
        if refused is not None:
            row.problems.append(Problem(*refused))
            return row
    try:
        _check(ctx, row, raw)
    except DomainError as exc:  # the ledger's rules, one at a time
        row.problems.append(Problem(FIELD_TO_COLUMN.get(exc.field or ""), exc.code, exc.message))
    if expected is not None and row.ok and row.id_number_index != expected:
        row.problems.append(Problem("id_number", "record_key_mismatch", keys.mismatch()))
    return row


# Each column's cell reader, in the template's order (the order problems are listed in).
_READERS = tuple(
    (
        column.key,
        date if column.kind == "date" else id_number if column.kind == "id_number" else None,
        column.kind in ("date", "id_number"),
    )
    for column in COLUMNS
)
_REQUIRED = tuple(column for column in COLUMNS if column.required)
_RESOLVED = (
    ("sex", _code),
    ("ethnicity", _code),
    ("education", _code),
    ("reason", _code),
    ("direction", _choice),
    ("flow_scope", _choice),
    ("status", _choice),
    ("keep_contact", _choice),
    ("organization", None),
    ("station", None),
    ("origin", None),
    ("destination", None),
)


def _check(ctx: FileContext, row: CheckedRow, raw: dict[str, Any]) -> None:
    values: dict[str, Any] = {}
    problems = row.problems
    texts = ctx.texts
    for key, read, special in _READERS:
        cell = raw.get(key)
        if cell is None:
            values[key] = None if read is date else ""
            continue
        try:
            if special:
                values[key] = read(cell)
            elif cell.__class__ is str and (known := texts[key].get(cell)) is not None:
                values[key] = known
            else:
                # Names written in Chinese lose their inner spaces (张 三 is 张三).
                spaces = key != "name" or not _has_cjk(cell)
                values[key] = text(
                    cell, keep_inner_spaces=spaces, limit=MAX_LENGTH.get(key, MAX_TEXT)
                )
                if cell.__class__ is str and len(texts[key]) < TEXT_CACHE:  # seen again
                    texts[key][cell] = values[key]
        except CellProblem as exc:
            problems.append(Problem(key, exc.code, exc.message))
            values[key] = None if special else ""
    for column in _REQUIRED:
        if column.key == "organization" and values["station"] and _inflow(ctx, values):
            continue  # an inflow member attached to a station: the station receives them
        if values[column.key] in ("", None) and not _has(row, column.key):
            problems.append(
                Problem(
                    column.key,
                    "required",
                    _("“%(column)s” is required.") % {"column": column.header},
                )
            )
    resolved: dict[str, Any] = {}
    for key, read in _RESOLVED:
        value = values.get(key)
        if not value or (problems and _has(row, key)):
            resolved[key] = None
        else:
            try:
                if read is not None:
                    resolved[key] = read(ctx, key, value)
                elif key == "organization":
                    resolved[key] = _organization(ctx, value)
                elif key == "station":
                    resolved[key] = _station(ctx, value)
                else:
                    resolved[key] = ctx.place(value)
            except CellProblem as exc:
                problems.append(Problem(key, exc.code, exc.message))
                resolved[key] = None
    facts = None
    if values["id_number"] and not _has(row, "id_number"):
        try:
            facts = idnumber.parse(values["id_number"], today=ctx.today)
        except DomainError as exc:
            problems.append(Problem("id_number", exc.code, exc.message))
    if problems:
        return
    direction = resolved["direction"] or Direction.OUTFLOW
    org = resolved["organization"]
    station = resolved["station"]
    fields: dict[str, Any] = {
        "name": values["name"],
        "id_number": values["id_number"],
        "sex": resolved["sex"] or "",
        "ethnicity": resolved["ethnicity"] or "",
        "education": resolved["education"] or "",
        "joined_on": values["joined_on"],
        "phone": values["phone"],
        "birth_date": None,
        "membership": Membership.FULL,
    }
    if direction == Direction.OUTFLOW:
        fields["home_organization"] = org
        fields["home_organization_name"] = ""
        fields["home_place"] = org.place if org is not None else None
        inflow_org = station
        origin = resolved["origin"] or (org.place if org is not None else None)
        destination = resolved["destination"]
        if destination is None:
            raise DomainError(
                "destination_required",
                _("Enter where the member lives now (the county or district)."),
                "destination_place",
            )
    else:
        name = values["home_organization_name"]
        if not name:
            problems.append(
                Problem(
                    "home_organization_name",
                    "required",
                    _("An inflow member needs the organization holding the membership."),
                )
            )
            return
        fields["home_organization"] = None
        fields["home_organization_name"] = name[:120]
        fields["home_place"] = resolved["origin"]
        inflow_org = station or org
        origin = resolved["origin"]
        if origin is None:
            raise DomainError(
                "origin_required", _("Enter where the member came from."), "origin_place"
            )
        destination = resolved["destination"] or ctx.counties.get(ctx.county.place_id or "")
    # The ledger's own rules, on plain values (no model instances: thousands of rows).
    member = ledger.check_member_values(fields, today=ctx.today, facts=facts)
    if values["left_on"] and values["left_on"] > ctx.today:
        raise DomainError("date_in_future", _("This date lies in the future."), "left_on")
    flow = ledger.check_flow_values(
        birth_date=member["birth_date"],
        home_organization=fields["home_organization"],
        home_place=member["home_place"],
        direction=direction,
        destination_place=destination,
        reason=resolved["reason"],
        left_on=values["left_on"],
        origin_place=origin,
        destination_address=values["destination_address"],
        employer=values["employer"],
        expected_return_on=values["expected_return_on"],
        inflow_organization=inflow_org,
        today=ctx.today,
        before_departure=_before_departure(values, resolved),
    )
    if resolved["flow_scope"] and resolved["flow_scope"] != flow["flow_scope"]:
        problems.append(
            Problem(
                "flow_scope",
                "flow_scope_mismatch",
                _("The places give “%(scope)s”, not what this cell says.")
                % {"scope": FlowScope(flow["flow_scope"]).label},
            )
        )
        return
    status = resolved["status"] or FlowStatus.REGISTERED
    home_place = member["home_place"]
    expected = flow["expected_return_on"]
    row.id_number_index = member["id_number_index"]
    row.id_number_masked = member["id_number_masked"]
    row.name = member["name"]
    # The search key (pinyin) is the commit's: only new members and new names need one.
    row.values = {
        "name": member["name"],
        "sex": member["sex"],
        "ethnicity": fields["ethnicity"],
        "birth_date": member["birth_date"].isoformat(),
        "id_number": member["id_number"],
        "id_number_index": member["id_number_index"],
        "id_number_masked": member["id_number_masked"],
        "phone": member["phone"],
        "phone_masked": member["phone_masked"],
        "phone_index": member["phone_index"],
        "education": fields["education"],
        "joined_on": fields["joined_on"].isoformat() if fields["joined_on"] else None,
        "home_organization": org.pk if fields["home_organization"] is not None else None,
        "home_organization_name": fields["home_organization_name"],
        "home_place": home_place.pk if home_place is not None else None,
        "direction": flow["direction"],
        "flow_scope": flow["flow_scope"],
        "origin_place": flow["origin_place"].pk,
        "destination_place": flow["destination_place"].pk,
        "destination_address": flow["destination_address"][:200],
        "employer": flow["employer"][:120],
        "reason": flow["reason"],
        "left_on": flow["left_on"].isoformat(),
        "expected_return_on": expected.isoformat() if expected else None,
        "inflow_organization": inflow_org.pk if inflow_org is not None else None,
        "status": status,
        **_before_departure_values(flow),
    }


# --- before departure (issue 12 item 6): optional columns, checked by the ledger's rule ---

_DEPARTURE_TEXT = ("briefed_by", "briefing_notes", "certificate_number", "keep_contact_detail")


def _before_departure(values: dict[str, Any], resolved: dict[str, Any]) -> dict[str, Any]:
    given = {key: values.get(key) or "" for key in _DEPARTURE_TEXT}
    return given | {
        "briefed_on": values.get("briefed_on"),
        "keep_contact": resolved.get("keep_contact") or "",
    }


def _before_departure_values(flow: dict[str, Any]) -> dict[str, Any]:
    day = flow.get("briefed_on")
    out = {key: flow.get(key) or "" for key in (*_DEPARTURE_TEXT, "keep_contact")}
    return out | {"briefed_on": day.isoformat() if day else None}


def _inflow(ctx: FileContext, values: dict[str, Any]) -> bool:
    raw = values.get("direction")
    return bool(raw) and ctx.choices["direction"].get(_fold(raw)) == Direction.INFLOW


def _has(row: CheckedRow, key: str) -> bool:
    return any(p.column == key for p in row.problems)


def _has_cjk(value: Any) -> bool:
    return isinstance(value, str) and any("\u4e00" <= ch <= "\u9fff" for ch in value)


def blind_index(number: str) -> str:
    return crypto.blind_index(number, purpose="id_number")
