"""The database away answers 503 in the user's language, other errors 500 (decision 176).

In both passes, in the test process: the failure is raised where every request passes
(the audit context's client address, read by a middleware), as the database's driver
raises it. ``test_outages.py`` stops a real PostgreSQL under the running app.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import OperationalError
from django.test import Client

from liudong.core import middleware


def failing(exc: Exception) -> Any:
    def client_ip(request: Any) -> str:
        raise exc

    return client_ip


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("could not connect to server: Connection refused"),
        psycopg.OperationalError("terminating connection due to administrator command"),
    ],
)
def test_a_page_and_the_api_answer_503_in_the_users_language(
    db: Any, monkeypatch: Any, error: Exception
) -> None:
    monkeypatch.setattr(middleware, "client_ip", failing(error))
    client = Client(raise_request_exception=False)
    page = client.get("/home/")
    assert page.status_code == 503 and page["Retry-After"] == "30"
    text = page.content.decode()
    assert "服务暂时不可用" in text and "暂时无法连接数据库" in text and "Traceback" not in text
    client.cookies["liudong_language"] = "en"
    page = client.get("/home/")
    assert page.status_code == 503 and "Service temporarily unavailable" in page.content.decode()
    api = Client(raise_request_exception=False).get(
        "/api/v1/organizations/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert api.status_code == 503
    assert api.json() == {
        "code": "unavailable",
        "message": "The database cannot be reached at the moment. Please try again in a minute.",
        "field": None,
    }


def test_any_other_error_is_still_a_500(db: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(middleware, "client_ip", failing(ValueError("a bug")))
    page = Client(raise_request_exception=False).get("/accounts/login/")
    assert page.status_code == 500
