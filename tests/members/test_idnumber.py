"""GB 11643 ID numbers: check character (ISO 7064 MOD 11-2), birth date, place, sex;
normalization of what spreadsheets hold; the cross-check against a member's sex and birth."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liudong.core.errors import DomainError
from liudong.members import actions
from liudong.members.idnumber import check_character, normalize, parse

pytestmark = pytest.mark.django_db  # the place check reads the provinces from the database


def valid(body17: str) -> str:
    return body17 + check_character(body17)


def body_with_check(check: str, place: str = "620821", birth: str = "19850314") -> str:
    """The first 17-digit body (place, birth, some sequence) whose check character is ``check``."""
    for sequence in range(1000):
        body = f"{place}{birth}{sequence:03d}"
        if check_character(body) == check:
            return body
    raise AssertionError(f"no sequence gives {check}")


def refused(value: Any, code: str, **kwargs: Any) -> None:
    with pytest.raises(DomainError) as caught:
        parse(value, **kwargs)
    assert (caught.value.code, caught.value.field) == (code, "id_number")


# --- the check character --------------------------------------------------------------------


def test_check_character_of_the_standard_example() -> None:
    # The example printed in GB 11643-1999 and countless guides.
    assert check_character("11010519491231002") == "X"


@pytest.mark.parametrize("check", list("0123456789X"))
def test_every_check_character_is_reachable_and_accepted(check: str) -> None:
    number = body_with_check(check) + check
    facts = parse(number)
    assert facts.number == number and facts.number[-1] == check


def test_known_valid_numbers_say_what_they_hold() -> None:
    male = valid("62082119850314011")
    facts = parse(male)
    assert facts.place_code == "620821"
    assert facts.birth_date == datetime.date(1985, 3, 14)
    assert facts.sex == "1"  # odd sequence
    female = valid("61011320000229022")  # a real 29 February
    facts = parse(female)
    assert facts.birth_date == datetime.date(2000, 2, 29) and facts.sex == "2"
    assert parse("11010519491231002X").birth_date == datetime.date(1949, 12, 31)


def test_old_place_codes_of_a_known_province_are_accepted() -> None:
    # Abolished counties live on in old ID numbers: a known province is enough.
    assert parse(valid("62089919700101001")).place_code == "620899"
    assert parse(valid("62000019700101001")).place_code == "620000"


# --- crafted invalid numbers ----------------------------------------------------------------


def test_wrong_check_character_is_refused() -> None:
    number = valid("62082119850314011")
    wrong = "0" if number[-1] != "0" else "1"
    refused(number[:17] + wrong, "id_number_check")


@pytest.mark.parametrize(
    "value",
    [
        "62082119850314011",  # 17 characters
        "6208211985031401100",  # 19 characters
        "62082119850314O11X",  # letter O for zero
        "A2082119850314011X",
        "62082119850314011Y",  # only X may stand last
        "",
        None,
    ],
)
def test_wrong_length_or_letters_are_refused(value: Any) -> None:
    refused(value, "id_number_format")


def test_impossible_birth_date_is_refused() -> None:
    refused(valid("62082119990230011"), "id_number_birth_date")  # 30 February
    refused(valid("62082119851301011"), "id_number_birth_date")  # month 13


def test_future_birth_date_is_refused() -> None:
    today = datetime.date(2025, 6, 1)
    refused(valid("62082120250602011"), "id_number_birth_date", today=today)
    assert parse(valid("62082120250601011"), today=today).birth_date == today


def test_birth_before_1900_is_refused() -> None:
    refused(valid("62082118991231011"), "id_number_birth_date")
    assert parse(valid("62082119000101011")).birth_date == datetime.date(1900, 1, 1)


def test_unknown_province_is_refused() -> None:
    refused(valid("99082119850314011"), "id_number_place")
    refused(valid("62001219850314011"), "id_number_place")  # county under no prefecture


# --- normalization --------------------------------------------------------------------------


def test_lower_case_x_is_normalized() -> None:
    number = body_with_check("X") + "X"
    assert parse(number.lower()).number == number


def test_full_width_digits_and_spaces_are_normalized() -> None:
    number = body_with_check("X") + "X"
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in number)  # "６２０８…Ｘ"
    assert full_width != number
    assert parse(full_width).number == number
    assert parse(f" {number[:6]} {number[6:14]}\u3000{number[14:]} ").number == number
    assert parse(full_width[:-1] + "ｘ").number == number


# --- derived facts cross-checked against a member's record ---------------------------------


def _create(demo: Any, number: str, **fields: Any) -> Any:
    branch = demo("620821001").children.order_by("code").first()
    values = {"name": "陈红", "ethnicity": "01", "home_organization": branch} | fields
    return actions.create_member(by=demo("user:jingchuan"), id_number=number, **values)


def test_sex_and_birth_date_are_derived_when_left_out(demo: Any) -> None:
    number = valid("62082119900705022")
    member = _create(demo, number)
    assert member.sex == "2" and member.birth_date == datetime.date(1990, 7, 5)


def test_given_sex_must_match_the_number(demo: Any) -> None:
    with pytest.raises(DomainError) as caught:
        _create(demo, valid("62082119900705022"), sex="1")
    assert (caught.value.code, caught.value.field) == ("sex_mismatch", "sex")


def test_given_birth_date_must_match_the_number(demo: Any) -> None:
    with pytest.raises(DomainError) as caught:
        _create(demo, valid("62082119900705022"), birth_date=datetime.date(1990, 5, 7))
    assert (caught.value.code, caught.value.field) == ("birth_date_mismatch", "birth_date")
    assert "1990-07-05" in caught.value.message


def test_matching_sex_and_birth_date_are_accepted(demo: Any) -> None:
    member = _create(
        demo, valid("62082119900705022"), sex="2", birth_date=datetime.date(1990, 7, 5)
    )
    assert member.pk is not None


def test_normalized_number_is_what_is_stored(demo: Any) -> None:
    number = body_with_check("X", birth="19880808") + "X"
    member = _create(demo, number.lower())
    member.refresh_from_db()
    assert member.id_number == number
    assert member.id_number_masked == number[:6] + "*" * 8 + number[-4:]


# --- nothing but DomainError, whatever comes in ---------------------------------------------

SPREADSHEET_CHARACTERS = "0123456789Xx０１２３４５６７８９Ｘｘ -\u3000Oo"
HYPOTHESIS = settings(
    max_examples=400,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _parse_or_domain_error(value: str) -> None:
    try:
        facts = parse(value)
    except DomainError as error:
        assert error.code.startswith("id_number_") and error.field == "id_number"
        return
    assert len(facts.number) == 18 and facts.number.isascii()
    assert facts.number[17] == check_character(facts.number[:17])


def _has_foreign_digits(value: str) -> bool:
    return any(ch.isdigit() and not ch.isascii() for ch in normalize(value))


@HYPOTHESIS
@given(st.text(alphabet=SPREADSHEET_CHARACTERS, min_size=18, max_size=18))
def test_spreadsheet_like_strings_raise_only_domain_errors(value: str) -> None:
    _parse_or_domain_error(value)


@HYPOTHESIS
@given(st.text(min_size=18, max_size=18))
def test_any_18_characters_raise_only_domain_errors(value: str) -> None:
    _parse_or_domain_error(value)


@HYPOTHESIS
@given(
    place=st.sampled_from(["620821", "990000", "110105", "620012", "650102"]),
    birth=st.dates(min_value=datetime.date(1850, 1, 1), max_value=datetime.date(2100, 1, 1)),
    sequence=st.integers(min_value=0, max_value=999),
    check=st.sampled_from(["right", *"0123456789X"]),
)
def test_well_formed_numbers_raise_only_domain_errors(
    place: str, birth: datetime.date, sequence: int, check: str
) -> None:
    body = f"{place}{birth:%Y%m%d}{sequence:03d}"
    _parse_or_domain_error(body + (check_character(body) if check == "right" else check))


def test_arabic_indic_digits_are_not_a_second_spelling_of_a_number() -> None:
    number = valid("62082119850314011")
    other_script = number[:14] + "".join(chr(0x660 + int(ch)) for ch in number[14:17]) + number[17]
    with pytest.raises(DomainError):
        parse(other_script)


def test_digit_like_characters_are_a_domain_error() -> None:
    number = valid("62082119850314011")
    with pytest.raises(DomainError):
        parse(number[:2] + "\u19da" + number[3:])
