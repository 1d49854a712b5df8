"""Every state change of the ledger: members, flow records and their lifecycle, contacts,
hand-offs and alerts. Atomic, audited, scoped; refusals are DomainErrors."""

from __future__ import annotations

import datetime
import functools
import unicodedata
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from liudong.accounts.phones import clean_phone as clean_phone
from liudong.codes import queries as codes
from liudong.core import audit, crypto, xlsx
from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.scope import CHANGE, SYSTEM, can_see, may, scope_of, user_of
from liudong.members import elsewhere, idnumber
from liudong.members.models import (
    Alert,
    Contact,
    ContactMethod,
    Direction,
    FlowRecord,
    FlowScope,
    FlowStatus,
    Handoff,
    HandoffKind,
    HandoffState,
    Member,
    Membership,
)
from liudong.orgs.models import Organization

# registered → managed → returned | transferred | lost → found again (managed) | suspended
TRANSITIONS: dict[str, set[str]] = {
    FlowStatus.REGISTERED: {
        FlowStatus.MANAGED,
        FlowStatus.RETURNED,
        FlowStatus.TRANSFERRED,
        FlowStatus.LOST,
    },
    FlowStatus.MANAGED: {FlowStatus.RETURNED, FlowStatus.TRANSFERRED, FlowStatus.LOST},
    FlowStatus.LOST: {
        FlowStatus.MANAGED,
        FlowStatus.REGISTERED,
        FlowStatus.RETURNED,
        FlowStatus.SUSPENDED,
    },
    FlowStatus.RETURNED: set(),
    FlowStatus.TRANSFERRED: set(),
    FlowStatus.SUSPENDED: set(),
}
CLOSED = {FlowStatus.RETURNED, FlowStatus.TRANSFERRED, FlowStatus.SUSPENDED}


# --- checks -----------------------------------------------------------------------------


def _require_staff(by: Any) -> None:
    """A user of a staff role, or the system (``liudong.core.scope.SYSTEM``: jobs, imports,
    a step taken on behalf of someone already checked), which the gate allows everything."""
    if by is None:
        raise TypeError("name the actor: a user, or liudong.core.scope.SYSTEM")
    if by is SYSTEM:
        return
    if not (by.is_superuser or by.is_staff_role):
        raise PermissionDenied("forbidden", _("Your role may not change the ledger."))


def _require_visible(by: Any, obj: Any) -> None:
    if not can_see(by, obj):
        raise ScopeError("not_found", _("Not found, or not within your organization's scope."))


def _require_may(by: Any, obj: Any, act: str) -> None:
    """The gate's answer for a change or a named act: out of sight looks like not found;
    seen but not theirs to change (the station side and a member's master data) is 403."""
    _require_visible(by, obj)
    if not may(by, obj, act):
        raise PermissionDenied(
            "not_keeping_side",
            _(
                "Only the member's home organization can do this; the station side may log "
                "contacts, take the member in and hand work over."
            ),
        )


def _require_org_in_scope(by: Any, org: Organization | None, field: str) -> None:
    if org is not None and not scope_of(by).covers_path(org.path):
        raise ScopeError(
            "organization_out_of_scope", _("That organization is not within your scope."), field
        )


def _today() -> datetime.date:
    return timezone.localdate()


def _check_date(
    value: datetime.date | None,
    field: str,
    *,
    not_before: datetime.date | None = None,
    allow_future: bool = False,
    today: datetime.date | None = None,
) -> None:
    if value is None:
        return
    if not allow_future and value > (today or _today()):
        raise DomainError("date_in_future", _("This date lies in the future."), field)
    if not_before is not None and value < not_before:
        raise DomainError(
            "date_too_early",
            _("This date lies before %(date)s.") % {"date": not_before.isoformat()},
            field,
        )


def check_name(value: Any) -> str:
    """The ledger's name rule: a name is given, and is not what a spreadsheet would take for
    a formula (starting with = + - @ once full-width forms are folded, the census's own
    folding: ＋1+2 is refused like +1+2). The rule of :func:`check_member_values`, so the
    forms, the API and the census refuse the same names with the same message."""
    name = (value or "").strip()
    if not name:
        raise DomainError("name_required", _("Enter the member's name."), "name")
    if xlsx.looks_like_formula(unicodedata.normalize("NFKC", name[:1])):
        raise DomainError(
            "name_formula",
            _(
                "A name cannot start with =, +, - or @: a spreadsheet would take it for a "
                "formula. Enter the name as it is written."
            ),
            "name",
        )
    return name


@functools.lru_cache(maxsize=65536)
def pinyin_key(name: str) -> str:
    """ "张三" → "zhangsan zs": full pinyin and initials, for search by either."""
    full = "".join(lazy_pinyin(name)).lower()
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()
    return f"{full} {initials}"


def find_by_id_number(number: str) -> Member | None:
    index = crypto.blind_index(idnumber.normalize(number), purpose="id_number")
    return Member.objects.filter(id_number_index=index).first()


# --- members ------------------------------------------------------------------------------

MEMBER_FIELDS = (
    "name",
    "sex",
    "ethnicity",
    "birth_date",
    "id_number",
    "phone",
    "education",
    "joined_on",
    "membership",
    "home_organization",
    "home_organization_name",
    "home_place",
)


MEMBERSHIPS = frozenset(Membership.values)
DIRECTIONS = frozenset(Direction.values)


def check_member_values(
    values: dict[str, Any],
    *,
    today: datetime.date | None = None,
    facts: idnumber.IdFacts | None = None,
) -> dict[str, Any]:
    """The ledger's rules for a member, on plain values: ``values`` holds every field of
    :data:`MEMBER_FIELDS` (organizations and places as objects); returns the normalized and
    derived fields (ID number, birth date, sex, phone, blind indexes, masks, home place) or
    raises the first :class:`DomainError`. No model instance, no database beyond the cached
    code tables. :func:`prepare_member` (the forms, :func:`create_member`,
    :func:`update_member`) and the census import's row check both run these rules.

    ``today``: the day the dates are checked against (read once per file by a caller that
    checks many rows); ``facts``: the caller's parse of this very ID number, if it has one.
    The search key (pinyin) is not computed here: see :func:`pinyin_key`.
    """
    name = check_name(values["name"])
    today = today or _today()
    if facts is None or facts.number != values["id_number"]:
        facts = idnumber.parse(values["id_number"], today=today)
    birth_date = values["birth_date"]
    if birth_date and birth_date != facts.birth_date:
        raise DomainError(
            "birth_date_mismatch",
            _("The birth date does not match the ID number (%(date)s).")
            % {"date": facts.birth_date.isoformat()},
            "birth_date",
        )
    sex = values["sex"]
    if sex in ("1", "2") and sex != facts.sex:
        raise DomainError("sex_mismatch", _("The sex does not match the ID number."), "sex")
    sex = sex or facts.sex
    codes.validate("sex", sex, field="sex")
    codes.validate("ethnicity", values["ethnicity"], field="ethnicity")
    if values["education"]:
        codes.validate("education", values["education"], field="education")
    if values["membership"] not in MEMBERSHIPS:
        raise DomainError("membership_invalid", _("Choose full or probationary."), "membership")
    _check_date(values["joined_on"], "joined_on", not_before=facts.birth_date, today=today)
    phone = clean_phone(values["phone"])
    home_organization = values["home_organization"]
    home_place = values["home_place"]
    if home_organization is None and not (values["home_organization_name"] or "").strip():
        raise DomainError(
            "home_organization_required",
            _("Choose the branch holding the membership, or name it if it is elsewhere."),
            "home_organization",
        )
    if home_place is None and home_organization is not None:
        home_place = home_organization.place
    return {
        "name": name,
        "id_number": facts.number,
        "birth_date": facts.birth_date,
        "sex": sex,
        "phone": phone,
        "id_number_index": crypto.blind_index(facts.number, purpose="id_number"),
        "id_number_masked": crypto.mask_id_number(facts.number),
        "phone_index": crypto.blind_index(phone, purpose="phone") if phone else "",
        "phone_masked": crypto.mask_phone(phone),
        "home_place": home_place,
    }


def _apply_member_fields(member: Member, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name not in MEMBER_FIELDS:
            raise DomainError("field_not_editable", _("This field cannot be changed."), name)
        setattr(member, name, value)
    values = {name: getattr(member, name) for name in MEMBER_FIELDS}
    for name, value in check_member_values(values).items():
        setattr(member, name, value)
    member.name_pinyin = pinyin_key(member.name)


def prepare_member(member: Member, fields: dict[str, Any]) -> None:
    """Check and normalize a member's fields in place (ID number, codes, dates, phone, blind
    indexes, masks, pinyin) without touching the database beyond the cached code tables:
    shared by :func:`create_member` and :func:`update_member`; the rules themselves are
    :func:`check_member_values`, which the census import runs on its rows too."""
    _apply_member_fields(member, fields)


def _duplicate_error(by: Any, existing: Member, asked: Member) -> DomainError:
    """A second member with the number: named when the asker may see the first; otherwise
    the one answer of :mod:`liudong.members.elsewhere` (audited, on the city's list)."""
    if can_see(by, existing):
        return DomainError(
            "id_number_exists",
            _("This ID number is already in the ledger: %(name)s (no. %(id)s).")
            % {"name": existing.name, "id": existing.pk},
            "id_number",
        )
    return elsewhere.answer(
        by, existing, name=asked.name, masked=asked.id_number_masked, via="ledger"
    )


def create_member(*, by: Any, must_see: bool = False, **fields: Any) -> Member:
    """A new member. ``must_see``: refuse a member its creator could not open (a page
    creates only what it can show). Not one transaction from the start: a refusal for a
    number held elsewhere is recorded, and that record must outlive the refusal."""
    _require_staff(by)
    _require_org_in_scope(by, fields.get("home_organization"), "home_organization")
    member = Member()
    _apply_member_fields(member, fields)
    if member.home_organization is None and by.organization_id:
        # A member from elsewhere is recorded by the inflow side, which must keep seeing them.
        member.inflow_organization_id = by.organization_id
    existing = Member.objects.filter(id_number_index=member.id_number_index).first()
    if existing is not None:
        raise _duplicate_error(by, existing, member)
    try:
        with transaction.atomic(), audit.action("member.create", actor=by):
            member.save()
            if must_see and not can_see(by, member):
                raise DomainError(
                    "member_out_of_sight",
                    _(
                        "A member from elsewhere would be outside your scope: choose a branch, "
                        "or ask the city's organization department to register the member."
                    ),
                    "home_organization",
                )
    except IntegrityError as exc:  # a concurrent insert of the same number
        existing = Member.objects.filter(id_number_index=member.id_number_index).first()
        if existing is not None:
            raise _duplicate_error(by, existing, member) from exc
        raise
    return member


def update_member(*, by: Any, member: Member, **changes: Any) -> Member:
    _require_staff(by)
    _require_may(by, member, CHANGE)
    if "home_organization" in changes:
        _require_org_in_scope(by, changes["home_organization"], "home_organization")
    _apply_member_fields(member, changes)
    clash = Member.objects.filter(id_number_index=member.id_number_index).exclude(pk=member.pk)
    if clash.exists():
        raise _duplicate_error(by, clash.first(), member)
    with transaction.atomic(), audit.action("member.update", actor=by):
        member.save()
        open_flow = member.flows.filter(is_open=True).first()
        if open_flow is not None and open_flow.home_organization_id != member.home_organization_id:
            open_flow.home_organization = member.home_organization
            open_flow.save()
    return member


# --- flow records -----------------------------------------------------------------------


def flow_scope_between(origin_code: str, destination_code: str) -> str:
    if origin_code == destination_code:
        return FlowScope.WITHIN_COUNTY
    if origin_code[:4] == destination_code[:4]:
        return FlowScope.OUT_OF_COUNTY
    if origin_code[:2] == destination_code[:2]:
        return FlowScope.OUT_OF_CITY
    return FlowScope.OUT_OF_PROVINCE


def check_flow_values(
    *,
    birth_date: datetime.date,
    home_organization: Organization | None,
    home_place: Any,
    direction: str,
    destination_place: Any,
    reason: str,
    left_on: datetime.date,
    origin_place: Any = None,
    destination_address: str = "",
    employer: str = "",
    expected_return_on: datetime.date | None = None,
    home_contact: Any = None,
    inflow_organization: Organization | None = None,
    member_inflow_organization: Callable[[], Organization | None] | None = None,
    today: datetime.date | None = None,
) -> dict[str, Any]:
    """The ledger's rules for a new stay away (the five facts), on plain values: the
    member's birth date, home organization and home place, and the record's facts (places
    and organizations as objects). Returns the new open record's fields or raises the first
    :class:`DomainError`. :func:`prepare_flow` (hence :func:`register_flow`) and the census
    import's row check both run these rules.

    ``member_inflow_organization``: where the member's inflow side is read from, if the
    record names none and the member's branch is elsewhere; ``today``: as in
    :func:`check_member_values`.
    """
    if direction not in DIRECTIONS:
        raise DomainError("direction_invalid", _("Choose outflow or inflow."), "direction")
    origin = origin_place or home_place
    if origin is None:
        raise DomainError("origin_required", _("Enter where the member came from."), "origin_place")
    if destination_place is None:
        raise DomainError(
            "destination_required", _("Enter where the member lives now."), "destination_place"
        )
    if destination_place.level != 3 or origin.level != 3:
        raise DomainError(
            "place_not_county",
            _("Places must be counties (districts), e.g. 610113 雁塔区."),
            "destination_place",
        )
    codes.validate("flow_reason", reason, field="reason")
    today = today or _today()
    _check_date(left_on, "left_on", not_before=birth_date, today=today)
    _check_date(
        expected_return_on,
        "expected_return_on",
        not_before=left_on,
        allow_future=True,
        today=today,
    )
    if home_organization is None and inflow_organization is None and member_inflow_organization:
        inflow_organization = member_inflow_organization()
    if home_organization is None and inflow_organization is None:
        raise DomainError(
            "inflow_organization_required",
            _(
                "This member's branch is elsewhere: choose the organization or station here "
                "that receives them."
            ),
            "inflow_organization",
        )
    if direction == Direction.INFLOW and inflow_organization is None:
        raise DomainError(
            "inflow_organization_required",
            _("An inflow record needs the organization or station that receives the member."),
            "inflow_organization",
        )
    return {
        "direction": direction,
        "flow_scope": flow_scope_between(origin.code, destination_place.code),
        "origin_place": origin,
        "destination_place": destination_place,
        "destination_address": destination_address.strip(),
        "employer": employer.strip(),
        "reason": reason,
        "left_on": left_on,
        "expected_return_on": expected_return_on,
        "home_contact": home_contact,
        "home_organization": home_organization,
        "inflow_organization": inflow_organization,
        "status": FlowStatus.REGISTERED,
        "status_changed_on": today,
    }


def prepare_flow(
    member: Member,
    *,
    direction: str,
    destination_place: Any,
    reason: str,
    left_on: datetime.date,
    origin_place: Any = None,
    destination_address: str = "",
    employer: str = "",
    expected_return_on: datetime.date | None = None,
    home_contact: Any = None,
    inflow_organization: Organization | None = None,
) -> FlowRecord:
    """Check the five facts of a new stay away and return the unsaved open record.

    Reads nothing from the database beyond the member's own organizations: the rules are
    :func:`check_flow_values`, which the census import runs on its rows too.
    """
    values = check_flow_values(
        birth_date=member.birth_date,
        home_organization=member.home_organization,
        home_place=None if origin_place else member.home_place,  # read only when needed
        direction=direction,
        destination_place=destination_place,
        reason=reason,
        left_on=left_on,
        origin_place=origin_place,
        destination_address=destination_address,
        employer=employer,
        expected_return_on=expected_return_on,
        home_contact=home_contact,
        inflow_organization=inflow_organization,
        member_inflow_organization=lambda: member.inflow_organization,
    )
    return FlowRecord(member=member, **values)


@transaction.atomic
def register_flow(
    *,
    by: Any,
    member: Member,
    direction: str,
    destination_place: Any,
    reason: str,
    left_on: datetime.date,
    origin_place: Any = None,
    destination_address: str = "",
    employer: str = "",
    expected_return_on: datetime.date | None = None,
    home_contact: Any = None,
    inflow_organization: Organization | None = None,
) -> FlowRecord:
    """Register one stay away (the "five facts"); a member has one open record at a time."""
    _require_staff(by)
    _require_may(by, member, CHANGE)
    member = Member.objects.select_for_update().get(pk=member.pk)
    open_flow = member.flows.filter(is_open=True).first()
    if open_flow is not None:
        raise DomainError(
            "open_flow_exists",
            _(
                "This member already has an open flow record (to %(place)s, since %(date)s). "
                "Close it first: returned, transferred or suspended."
            )
            % {"place": open_flow.destination_place, "date": open_flow.left_on.isoformat()},
            "member",
        )
    flow = prepare_flow(
        member,
        direction=direction,
        destination_place=destination_place,
        reason=reason,
        left_on=left_on,
        origin_place=origin_place,
        destination_address=destination_address,
        employer=employer,
        expected_return_on=expected_return_on,
        home_contact=home_contact,
        inflow_organization=inflow_organization,
    )
    with audit.action("flow.register", actor=by):
        flow.save()
        _sync_member_inflow(member, flow)
    return flow


def _sync_member_inflow(member: Member, flow: FlowRecord) -> None:
    """Keep the member's inflow side equal to the open record's (for the scope gate)."""
    if flow.is_open:
        wanted = flow.inflow_organization_id
    elif member.home_organization_id is None:
        wanted = member.inflow_organization_id  # from elsewhere: the inflow side keeps them
    else:
        wanted = None
    if member.inflow_organization_id != wanted:
        member.inflow_organization_id = wanted
        member.save(update_fields=["inflow_organization", "updated_at"])


def _transition(
    by: Any,
    flow: FlowRecord,
    to: str,
    *,
    on: datetime.date | None,
    reason: str,
    verb: str,
    require_reason: bool = False,
    changes: dict[str, Any] | None = None,
    act: str = CHANGE,
) -> FlowRecord:
    _require_staff(by)
    _require_may(by, flow, act)
    flow = FlowRecord.objects.select_for_update().get(pk=flow.pk)
    if to not in TRANSITIONS.get(flow.status, set()):
        raise DomainError(
            "transition_not_allowed",
            _("A record that is “%(current)s” cannot become “%(target)s”.")
            % {"current": flow.get_status_display(), "target": FlowStatus(to).label},
            "status",
        )
    if require_reason and not reason.strip():
        raise DomainError("reason_required", _("Give a reason."), "reason")
    on = on or _today()
    _check_date(on, "on", not_before=flow.left_on)
    for name, value in (changes or {}).items():
        setattr(flow, name, value)
    flow.status = to
    flow.status_changed_on = on
    flow.status_reason = reason.strip()[:200]
    if to == FlowStatus.MANAGED and flow.managed_on is None:
        flow.managed_on = on
    if to in CLOSED:
        flow.is_open = False
        flow.closed_on = on
    with audit.action(verb, actor=by, reason=reason):
        flow.save()
        _sync_member_inflow(flow.member, flow)
        if to in CLOSED:
            flow.alerts.filter(resolved=False).update(
                resolved=True, resolved_on=on, note=_("Record closed.")
            )
    return flow


@transaction.atomic
def check_in(
    *,
    by: Any,
    flow: FlowRecord,
    inflow_organization: Organization | None = None,
    on: datetime.date | None = None,
    note: str = "",
) -> FlowRecord:
    """The member is attached to an organization in regular contact (纳管)."""
    if (
        inflow_organization is None
        and flow.inflow_organization_id is None
        and flow.home_organization_id is None
    ):
        raise DomainError(
            "inflow_organization_required",
            _("Choose the organization that takes the member in."),
            "inflow_organization",
        )
    changes = {"inflow_organization": inflow_organization} if inflow_organization else {}
    return _transition(
        by,
        flow,
        FlowStatus.MANAGED,
        on=on,
        reason=note,
        verb="flow.check_in",
        changes=changes,
        act="check_in",  # either side takes the member in
    )


@transaction.atomic
def mark_returned(
    *, by: Any, flow: FlowRecord, on: datetime.date | None = None, reason: str = ""
) -> FlowRecord:
    return _transition(by, flow, FlowStatus.RETURNED, on=on, reason=reason, verb="flow.return")


@transaction.atomic
def mark_transferred(
    *, by: Any, flow: FlowRecord, on: datetime.date | None = None, reason: str = ""
) -> FlowRecord:
    return _transition(
        by,
        flow,
        FlowStatus.TRANSFERRED,
        on=on,
        reason=reason,
        verb="flow.transfer",
        require_reason=True,
    )


@transaction.atomic
def mark_lost(
    *, by: Any, flow: FlowRecord, on: datetime.date | None = None, reason: str = ""
) -> FlowRecord:
    return _transition(
        by, flow, FlowStatus.LOST, on=on, reason=reason, verb="flow.lost", require_reason=True
    )


@transaction.atomic
def mark_found(
    *, by: Any, flow: FlowRecord, on: datetime.date | None = None, reason: str = ""
) -> FlowRecord:
    target = FlowStatus.MANAGED if flow.managed_on else FlowStatus.REGISTERED
    return _transition(by, flow, target, on=on, reason=reason, verb="flow.found")


@transaction.atomic
def suspend_membership(
    *, by: Any, flow: FlowRecord, on: datetime.date | None = None, reason: str = ""
) -> FlowRecord:
    return _transition(
        by,
        flow,
        FlowStatus.SUSPENDED,
        on=on,
        reason=reason,
        verb="flow.suspend",
        require_reason=True,
    )


# --- contacts, hand-offs, alerts --------------------------------------------------------


def _side_of(by: Any, flow: FlowRecord) -> Organization:
    """Which side of the record the actor speaks for: the one in their scope (home first)."""
    for org in (flow.home_organization, flow.inflow_organization):
        if org is not None and scope_of(by).covers_path(org.path):
            return org
    raise ScopeError("not_found", _("Not found, or not within your organization's scope."))


@transaction.atomic
def log_contact(
    *, by: Any, flow: FlowRecord, method: str, on: datetime.date | None = None, note: str = ""
) -> Contact:
    _require_staff(by)
    _require_may(by, flow, "contact")
    flow = FlowRecord.objects.select_for_update().get(pk=flow.pk)
    if not flow.is_open:
        raise DomainError("record_closed", _("This record is closed."), "flow")
    if method not in ContactMethod.values:
        raise DomainError("method_invalid", _("Choose how the contact was made."), "method")
    on = on or _today()
    _check_date(on, "contacted_on", not_before=flow.left_on)
    contact = Contact(
        flow=flow,
        contacted_on=on,
        method=method,
        by=user_of(by),
        organization=_side_of(by, flow),
        note=note.strip()[:500],
    )
    with audit.action("contact.log", actor=by):
        contact.save()
        if flow.last_contact_on is None or on > flow.last_contact_on:
            FlowRecord.objects.filter(pk=flow.pk).update(last_contact_on=on)
            flow.last_contact_on = on
        for alert in flow.alerts.filter(resolved=False).exclude(kind="yearly_report"):
            alert.resolved, alert.resolved_on, alert.resolved_by = True, on, user_of(by)
            alert.note = _("Contact logged.")
            alert.save()
    return contact


@transaction.atomic
def raise_handoff(
    *,
    by: Any,
    flow: FlowRecord,
    kind: str,
    message: str = "",
    to_organization: Organization | None = None,
) -> Handoff:
    _require_staff(by)
    _require_may(by, flow, "handoff")
    flow = FlowRecord.objects.select_for_update().get(pk=flow.pk)
    if not flow.is_open:
        raise DomainError("record_closed", _("This record is closed."), "flow")
    if kind not in HandoffKind.values:
        raise DomainError("kind_invalid", _("Choose what you ask for."), "kind")
    sender = _side_of(by, flow)
    if to_organization is None:
        other = [
            o
            for o in (flow.home_organization, flow.inflow_organization)
            if o is not None and o.pk != sender.pk
        ]
        if not other:
            raise DomainError(
                "no_other_side",
                _("This record has no other side to hand work to yet."),
                "to_organization",
            )
        to_organization = other[0]
    handoff = Handoff(
        flow=flow,
        kind=kind,
        message=message.strip()[:500],
        from_organization=sender,
        to_organization=to_organization,
        created_by=user_of(by),
    )
    with audit.action("handoff.raise", actor=by):
        handoff.save()
    return handoff


def _why_not_answer(by: Any, handoff: Handoff) -> DomainError | None:
    """The one rule for answering a hand-off: the receiving side, not its sender, once."""
    if not may(by, handoff, "answer"):
        return PermissionDenied("not_recipient", _("Only the receiving side can answer this."))
    if by.pk is not None and handoff.created_by_id == by.pk:
        return PermissionDenied("own_handoff", _("You cannot answer your own hand-off."))
    if handoff.state != HandoffState.OPEN:
        return DomainError("handoff_not_open", _("This hand-off is already answered."), "state")
    return None


def may_answer(by: Any, handoff: Handoff) -> bool:
    """Whether pages should offer the answer buttons (the same rule the actions apply)."""
    return _why_not_answer(by, handoff) is None


def _receiving(by: Any, handoff: Handoff) -> None:
    _require_staff(by)
    refusal = _why_not_answer(by, handoff)
    if refusal is not None:
        raise refusal


@transaction.atomic
def complete_handoff(*, by: Any, handoff: Handoff, response: str = "") -> Handoff:
    handoff = Handoff.objects.select_for_update().get(pk=handoff.pk)
    _receiving(by, handoff)
    handoff.state, handoff.response = HandoffState.DONE, response.strip()[:500]
    handoff.resolved_by, handoff.resolved_at = user_of(by), timezone.now()
    with audit.action("handoff.done", actor=by):
        handoff.save()
    return handoff


@transaction.atomic
def refuse_handoff(*, by: Any, handoff: Handoff, reason: str) -> Handoff:
    """A refusal needs a reason and goes back to the sender's to-do list."""
    handoff = Handoff.objects.select_for_update().get(pk=handoff.pk)
    _receiving(by, handoff)
    if not reason.strip():
        raise DomainError("reason_required", _("Say why you refuse, for the sender."), "reason")
    handoff.state, handoff.response = HandoffState.REFUSED, reason.strip()[:500]
    handoff.resolved_by, handoff.resolved_at = user_of(by), timezone.now()
    with audit.action("handoff.refuse", actor=by, reason=reason):
        handoff.save()
    return handoff


@transaction.atomic
def resolve_alert(*, by: Any, alert: Alert, note: str) -> Alert:
    _require_staff(by)
    _require_may(by, alert, CHANGE)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.resolved:
        raise DomainError("alert_resolved", _("This alert is already resolved."), "alert")
    if not note.strip():
        raise DomainError("note_required", _("Write what was done."), "note")
    alert.resolved, alert.resolved_on, alert.resolved_by = True, _today(), user_of(by)
    alert.note = note.strip()[:500]
    with audit.action("alert.resolve", actor=by):
        alert.save()
    return alert


def responsible_organization(flow: FlowRecord) -> Organization:
    return flow.home_organization or flow.inflow_organization
