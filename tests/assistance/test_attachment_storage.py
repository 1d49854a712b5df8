"""A request's attachment, uploaded through the API and downloaded from its page, lives in
the configured private storage (here in memory), not on this machine's disk (issue 16, 7b)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import storages

from liudong.assistance.models import RequestAttachment
from liudong.core import uploads

from .test_attachments import PDF, upload

pytestmark = pytest.mark.django_db


def test_an_attachment_goes_to_the_configured_storage_and_back(
    settings: Any, login: Any, make_request: Any, asker: Any
) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    request = make_request(kind="employment")
    posted = login("station05").post(
        f"/api/v1/service-requests/{request.pk}/attachments/",
        {"file": upload(PDF, "简历.pdf", "application/pdf")},
    )
    assert posted.status_code == 201, posted.content
    found = RequestAttachment.objects.get(pk=posted.json()["id"])
    assert storages["private"].open(found.stored_as).read()[:4] == b"LDCF"  # sealed
    with uploads.open_kept(found.stored_as) as kept:
        assert kept.read() == PDF
    assert not (Path(settings.VAR_DIR) / "private" / found.stored_as).exists()
    page = login(asker[0].username).get(f"/requests/files/{found.pk}/")
    assert page.status_code == 200
    assert b"".join(page.streaming_content) == PDF
