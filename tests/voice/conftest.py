"""Fixtures of the members' voice: a 灵台 member with an account (away in 西安雁塔), the two
counties' administrators, the demo's department users (灵台 and 泾川 商务局)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from liudong.voice import actions
from liudong.voice.models import Department
from tests.stations.helpers import member_with_account

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "a.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def asker(demo: Any) -> tuple[Any, Any, Any]:
    """(user, member, flow): a member of 灵台 with an account and an open stay in 雁塔."""
    return member_with_account(demo, county="620822", to="610113")


@pytest.fixture
def other(demo: Any) -> tuple[Any, Any, Any]:
    """A member of 泾川 with an account."""
    return member_with_account(demo, county="620821", to="610113")


@pytest.fixture
def lingtai(demo: Any) -> Any:
    return demo("user:lingtai")


@pytest.fixture
def jingchuan(demo: Any) -> Any:
    return demo("user:jingchuan")


@pytest.fixture
def dept(demo: Any) -> Any:
    """灵台县商务局's user."""
    return demo("user:dept_lingtai")


@pytest.fixture
def commerce(dept: Any) -> Department:
    return dept.voice_department.department


@pytest.fixture
def farming(demo: Any) -> Department:
    return Department.objects.get(county=demo("620822"), name="农业农村局")


@pytest.fixture
def suggest(asker: Any) -> Any:
    def make(**extra: Any) -> Any:
        values = {
            "kind": "investment",
            "topic": "industry",
            "title": "一家企业有意回乡投资",
            "text": "企业负责人愿意到灵台考察",
        }
        values.update(extra)
        by = values.pop("by", asker[0])
        created, _new = actions.submit_suggestion(by=by, **values)
        return created

    return make


@pytest.fixture
def tomorrow() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)
