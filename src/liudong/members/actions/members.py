"""Members: their values, creating and updating them."""

from __future__ import annotations

import datetime
import functools
import unicodedata
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from liudong.accounts.phones import clean_phone
from liudong.codes import queries as codes
from liudong.core import audit, crypto, xlsx
from liudong.core.errors import DomainError
from liudong.core.scope import CHANGE, can_see
from liudong.members import elsewhere, idnumber
from liudong.members.actions._common import (
    _check_date,
    _require_may,
    _require_org_in_scope,
    _require_staff,
    _today,
)
from liudong.members.actions.derive import follow_home
from liudong.members.models import (
    Direction,
    Member,
    Membership,
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


@functools.lru_cache(maxsize=20_000)
def pinyin_key(name: str) -> str:
    """ "张三" → "zhangsan zs": full pinyin and initials, for search by either. Memoized:
    names repeat (a census file of 100,000 rows holds far fewer distinct names), and the
    conversion was a third of the set-based writer's own time."""
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


def derived_member_fields(checked: dict[str, Any]) -> dict[str, Any]:
    """What a write adds to a member's checked values (:func:`check_member_values`'s
    result): the search key. The single actions and the set-based writer both call it."""
    return {"name_pinyin": pinyin_key(checked["name"])}


def new_member_inflow_side(home_organization_id: int | None, by: Any) -> int | None:
    """A new member's inflow side: a member from elsewhere (no home organization here) is
    recorded by the inflow side that enters them, which must keep seeing them."""
    if home_organization_id is None and getattr(by, "organization_id", None):
        return by.organization_id
    return None


def _apply_member_fields(member: Member, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name not in MEMBER_FIELDS:
            raise DomainError("field_not_editable", _("This field cannot be changed."), name)
        setattr(member, name, value)
    values = {name: getattr(member, name) for name in MEMBER_FIELDS}
    checked = check_member_values(values)
    for name, value in (checked | derived_member_fields(checked)).items():
        setattr(member, name, value)


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
    if member.home_organization is None:
        member.inflow_organization_id = new_member_inflow_side(None, by)
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
        if open_flow is not None and follow_home(open_flow, member.home_organization_id):
            open_flow.save()
    return member
