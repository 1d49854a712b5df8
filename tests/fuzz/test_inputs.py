"""Input fuzzing (Hypothesis) of the parsers that read what people type or upload: no
exception but the documented one escapes, and what is accepted is what the rule says.

Extends, does not repeat, tests/members/test_idnumber.py (the ID number rule itself),
tests/regions/test_queries.py (free-text addresses) and tests/census/test_validator_property.py
(random rows through the row check). The counts are summed up at the end of the run
(tests/fuzz/conftest.py); ``LIUDONG_FUZZ_INPUT_EXAMPLES`` raises them (``make fuzz``).
"""

from __future__ import annotations

import datetime
import decimal
import io
import json
import re
from typing import Any

import pytest
from django.http import QueryDict
from hypothesis import strategies as st
from rest_framework.exceptions import ParseError

from liudong.accounts.phones import clean_phone
from liudong.census import checker
from liudong.census.columns import column_letter, fold
from liudong.census.formulas import cell_ref
from liudong.core import masking, params
from liudong.core.errors import DomainError
from liudong.core.parsers import JSONParser
from liudong.core.text import compact
from liudong.members import idnumber
from liudong.members.filters import LedgerFilter, exact_search, search_condition
from liudong.members.models import Member
from liudong.regions import queries
from liudong.regions.models import Place

DIGITS = "0123456789０１２３４５６７８９٠١٢٣٤٥٦٧٨٩"
NUMBERISH = DIGITS + "+-. 　xX\t\n"
texts = st.one_of(st.text(max_size=40), st.text(alphabet=NUMBERISH, max_size=25))
anything = st.one_of(
    st.none(),
    texts,
    st.integers(),
    st.floats(),
    st.booleans(),
    st.decimals(allow_nan=True),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
    st.binary(max_size=20),
)


# --- phone numbers ------------------------------------------------------------------------

phones = st.one_of(
    texts,
    st.builds(
        lambda prefix, digits, sep: prefix + sep.join([digits[:3], digits[3:7], digits[7:]]),
        st.sampled_from(["", "+86", "+86 ", "0086", "＋８６"]),
        st.text(alphabet=DIGITS, min_size=11, max_size=11),
        st.sampled_from(["", " ", "-", "\u3000"]),
    ),
)


def test_phone_numbers(fuzz: Any) -> None:
    def check(value: Any) -> None:
        try:
            phone = clean_phone(value)
        except DomainError as error:
            assert (error.code, error.field) == ("phone_invalid", "phone")
            return
        # Accepted: nothing, or 11 ASCII digits from 1 (the SMS gateway's and the blind
        # index's one spelling), which the URL guard knows as personal.
        assert phone == "" or re.fullmatch(r"1[0-9]{10}", phone), phone
        assert not phone or masking.is_personal(value)

    fuzz("phone", st.one_of(phones, anything), check, 500)


# --- ID numbers: the spellings the guards must agree on -----------------------------------


@st.composite
def id_numbers(draw: Any) -> str:
    body = draw(st.text(alphabet="0123456789", min_size=17, max_size=17))
    body = "620821" + body[6:] if draw(st.booleans()) else body
    number = body + idnumber.check_character(body)
    if draw(st.booleans()):  # full width, as spreadsheets hold it
        number = "".join(chr(ord(ch) + 0xFEE0) for ch in number)
    if draw(st.booleans()):
        number = number.lower()
    return number


@pytest.mark.django_db
def test_id_numbers_the_parser_accepts_are_personal_everywhere(fuzz: Any) -> None:
    def check(value: str) -> None:
        try:
            facts = idnumber.parse(value)
        except DomainError:
            return
        # Never in an address (refused), never whole in a log line or audit detail.
        assert masking.is_personal(value)
        assert facts.number not in masking.mask_text(f"身份证 {value} 号")
        found = exact_search(value)
        assert found is not None and found.kind == "id_number"
        assert facts.number not in found.masked

    fuzz("id number", st.one_of(id_numbers(), texts), check, 300)


def test_normalized_text_is_compact_and_stable(fuzz: Any) -> None:
    def check(value: Any) -> None:
        once = compact(value)
        assert not any(ch.isspace() for ch in once)
        assert compact(once) == once  # a stored value normalizes to itself

    fuzz("text.compact", anything, check, 400)


# --- query parameters and JSON bodies (core.params, core.parsers) -------------------------


def _refused_as_parameter(error: DomainError, name: str) -> None:
    assert isinstance(error, params.BadParameter)
    assert error.code == "bad_parameter" and error.field == name and error.message


def test_query_values(fuzz: Any) -> None:
    values = st.one_of(
        texts,
        st.integers().map(str),
        st.floats().map(str),
        st.builds(
            lambda y, m, d: f"{y}-{m}-{d}",
            st.integers(0, 99999),
            st.integers(0, 99),
            st.integers(0, 99),
        ),
        st.text(min_size=990, max_size=1010),
    )

    def check(pair: tuple[str, str]) -> None:
        name, value = pair
        try:
            params.check_value(name, value)
        except DomainError as error:
            _refused_as_parameter(error, name)
        query = {name: value}
        try:
            number = params.integer(query, name, minimum=-5, maximum=10**12)
        except DomainError as error:
            _refused_as_parameter(error, name)
        else:
            assert number is None or -5 <= number <= 10**12
        try:
            day = params.date(query, name)
        except DomainError as error:
            _refused_as_parameter(error, name)
        else:
            assert day is None or isinstance(day, datetime.date)
        query_dict = QueryDict(mutable=True)
        query_dict.setlist(name, ["x", value])
        try:
            params.check_query(query_dict)
            params.check_path("/" + value)
        except DomainError as error:
            assert isinstance(error, params.BadParameter)

    fuzz("query parameter", st.tuples(st.text(max_size=10).filter(bool), values), check, 400)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=30,
)


def test_json_bodies(fuzz: Any) -> None:
    parser = JSONParser()

    def check(body: Any) -> None:
        kind, value = body
        if kind == "bytes":
            raw = value
        elif kind == "depth":
            raw = ("[" * value + "]" * value).encode()
        else:
            raw = json.dumps(value).encode()
        try:
            data = parser.parse(io.BytesIO(raw), parser_context={"encoding": "utf-8"})
        except ParseError:
            assert kind == "bytes" or kind == "depth" and value > params.MAX_JSON_DEPTH, body
            return
        if kind == "json":
            assert data == value  # what is accepted reads back as sent

    bodies = st.one_of(
        st.tuples(st.just("json"), json_values),
        st.tuples(st.just("bytes"), st.binary(max_size=60)),
        st.tuples(
            st.just("bytes"),
            st.text(alphabet='[]{}":,0123456789.eE+-nultrufasNIinfy \\', max_size=40).map(
                str.encode
            ),
        ),
        st.tuples(st.just("depth"), st.integers(min_value=1, max_value=5000)),
    )
    fuzz("JSON body", bodies, check, 400)


# --- addresses, places and points (regions) -------------------------------------------------

PLACE_TEXT = "陕西省西安市雁塔区甘肃平凉崆峒泾川灵台县区市路号620821０６ 　-"


@pytest.mark.django_db
def test_place_codes_and_searches(fuzz: Any) -> None:
    def check(value: Any) -> None:
        try:
            place = queries.get_place(value)
        except DomainError as error:
            assert error.code in ("place_code_invalid", "place_not_found") and error.message
        else:
            assert isinstance(place, Place)
        found = list(queries.search_places(value)[:5])  # evaluated: the database reads it
        assert all(isinstance(p, Place) for p in found)
        try:
            place = queries.resolve_address(value)
        except DomainError as error:
            assert error.code and error.message
        else:
            assert isinstance(place, Place)

    values = st.one_of(texts, st.text(alphabet=PLACE_TEXT, max_size=20), anything)
    fuzz("place and address", values, check, 300)


@pytest.mark.django_db
def test_points(fuzz: Any) -> None:
    coordinate = st.one_of(
        st.floats(),
        st.integers(min_value=-(10**400), max_value=10**400),
        st.decimals(allow_nan=True),
        st.text(alphabet="0123456789.-+eE infa", max_size=12),
        st.none(),
        st.booleans(),
    )

    def check(point: tuple[Any, Any]) -> None:
        try:
            place = queries.locate(*point)
        except DomainError as error:
            assert error.code == "coordinates_invalid" and error.field in ("lng", "lat")
        else:
            assert place is None or isinstance(place, Place)

    near = st.tuples(st.floats(73, 136), st.floats(18, 54))  # inside China's box
    fuzz("point", st.one_of(st.tuples(coordinate, coordinate), near), check, 200)


# --- the member ledgers' filters and searches -----------------------------------------------


@pytest.mark.django_db
def test_ledger_filters_and_searches(fuzz: Any) -> None:
    words = st.text(max_size=30).filter(lambda t: "\x00" not in t)  # the boundary refuses NUL
    query = st.dictionaries(
        st.sampled_from(LedgerFilter.PARAMS),
        st.one_of(words, texts.filter(lambda t: "\x00" not in t)),
    )

    def check(raw: dict[str, str]) -> None:
        flt = LedgerFilter.from_params(raw)
        assert LedgerFilter.from_params(flt.params()) == flt  # a link reads back the same
        condition = search_condition(flt.q)
        if condition is not None:
            list(Member.objects.filter(condition).values_list("pk", flat=True)[:3])

    fuzz("ledger filter", query, check, 300)


# --- census cells -------------------------------------------------------------------------

cells = st.one_of(
    anything,
    st.text(alphabet="0123456789年月日-/. ", max_size=12),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(min_value=1, max_value=3_000_000),
    st.sampled_from(["=A1", " =SUM(1)", "2023年2月30日", "20230230", 6.20821198503141e17]),
)


def test_census_cells(fuzz: Any) -> None:
    def check(value: Any) -> None:
        for read in (checker.text, checker.date, checker.id_number, fold):
            try:
                read(value)
            except checker.CellProblem as problem:
                assert problem.code and problem.message
        try:
            number = checker.id_number(value)
        except checker.CellProblem:
            return
        if re.fullmatch(r"[0-9]{17}[0-9X]", number):  # what the ID rule then reads
            assert idnumber.normalize(number) == number

    fuzz("census cell", cells, check, 500)


def test_cell_references_read_back(fuzz: Any) -> None:
    def check(at: tuple[int, int]) -> None:
        row, column = at
        assert cell_ref(f"{column_letter(column)}{row}") == (row, column)
        assert cell_ref(f"{column_letter(column)}{row}".encode()) == (row, column)

    fuzz("cell reference", st.tuples(st.integers(1, 1_048_576), st.integers(0, 16_383)), check, 200)


def test_decimal_cells_are_read_as_numbers() -> None:
    # A plain example the cells above draw among: a Decimal (an .ods value) is text, no error.
    assert checker.text(decimal.Decimal("1.50")) == "1.50"
