"""The watch over the whole run's logs (tests/conftest.py, decision 183) catches what it
must and lets the look-alikes pass."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client

from tests.conftest import personal_data_in


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("member 62082119800101123X checked in", ["ID number"]),
        ("id=620821198001011234;", ["ID number"]),
        ("手机13809331001已发送", ["mobile number"]),
        ("sent to 13809331001.", ["mobile number"]),
        ("phone 138****1001, id 620821********1234", []),  # masked
        ("sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", []),
        ("digest 620821198001011234abcdef", []),  # part of a hex string
        ("at 1765150000123 ms, epoch 1765150000", []),  # timestamps
        ("took 0.13809331001 s", []),  # a fraction
        ("order 6208211980010112345678", []),  # a longer number
        ("request 4f1c0e2a9b7d4c3e8a6b5d4c3b2a1908", []),  # a request id
    ],
)
def test_the_patterns(text: str, found: list[str]) -> None:
    assert personal_data_in(text) == found


def test_a_record_with_a_mobile_number_is_noted(personal_data_watch: Any) -> None:
    logging.getLogger("liudong.example").warning("code sent to %s", "13809331001")
    logging.getLogger("liudong.example").info("nothing personal: %s", "138****1001")
    noted = personal_data_watch.take()
    assert len(noted) == 1 and "mobile number" in noted[0] and "liudong.example" in noted[0]


def test_a_traceback_with_an_id_number_is_noted(personal_data_watch: Any) -> None:
    try:
        raise ValueError("duplicate 620821198001011234")
    except ValueError:
        logging.getLogger("liudong.example").exception("import failed")
    noted = personal_data_watch.take()
    assert len(noted) == 1 and "ID number" in noted[0]


def test_djangos_request_logs_are_watched(db: Any, personal_data_watch: Any) -> None:
    # A 404 is logged by django.request with the path: a number in a path is noted.
    assert Client().get("/no-such-page/13809331001/").status_code == 404
    noted = personal_data_watch.take()
    assert any("django.request" in line for line in noted), noted
    # The request server's log does not propagate to the root: watched on its own.
    logging.getLogger("django.server").info('"GET /?phone=13809331001 HTTP/1.1" 200')
    assert personal_data_watch.take()
