"""Attachments: size and real type checked (a file lying about its type is refused), kept
outside the served files, handed out only through the gate."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from liudong.assistance import actions
from liudong.assistance.actions import attachments as attach_rules
from liudong.assistance.models import RequestAttachment
from liudong.core import sealed, uploads
from liudong.core.errors import DomainError, PermissionDenied

pytestmark = pytest.mark.django_db


def image_bytes(fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(data: bytes, name: str, content_type: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (image_bytes("PNG"), "photo.png", "png"),
        (image_bytes("JPEG"), "photo.JPG", "jpeg"),
        (PDF, "合同.pdf", "pdf"),
        (image_bytes("PNG"), "no-extension", "png"),
    ],
)
def test_real_images_and_pdfs_pass(data: bytes, name: str, kind: str) -> None:
    checked = uploads.check(upload(data, name))
    assert checked.kind == kind and checked.size == len(data)


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"", "empty.png", "file_empty"),
        (b"GIF89a" + b"\0" * 20, "anim.gif", "file_type"),  # a real type not accepted
        (b"<?php echo 1; ?>", "photo.jpg", "file_type"),  # a script dressed as a photo
        (b"MZ\x90\x00" + b"\0" * 60, "scan.pdf", "file_type"),  # a program dressed as a PDF
        (image_bytes("PNG"), "contract.pdf", "file_type_mismatch"),  # a PNG named .pdf
        (PDF, "photo.png", "file_type_mismatch"),  # a PDF named .png
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "photo.png", "file_broken"),  # PNG magic only
        (b"\xff\xd8\xff" + b"\0" * 50, "photo.jpg", "file_broken"),
    ],
)
def test_wrong_lying_and_broken_files_are_refused(data: bytes, name: str, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        uploads.check(upload(data, name, "image/png"))
    assert refused.value.code == code and refused.value.field == "file"


def test_too_large_is_refused_before_reading_it_all() -> None:
    big = upload(PDF + b"0" * 2048, "big.pdf")
    with pytest.raises(DomainError) as refused:
        uploads.check(big, max_bytes=1024)
    assert refused.value.code == "file_too_large"
    assert "MB" in refused.value.message


def test_the_stored_name_is_random_and_outside_the_served_media(tmp_path: Path) -> None:
    checked = uploads.check(upload(PDF, "../../etc/passwd.pdf"))
    assert checked.name == "passwd.pdf"
    relative = uploads.store(checked, "assistance")
    try:
        target = uploads.path_of(relative)
        assert target.read_bytes()[:5] in (sealed.MAGIC, sealed.MAGIC_KEYED)  # sealed at rest
        with uploads.open_kept(relative) as kept:
            assert kept.read() == PDF
        assert "passwd" not in relative
        root = Path(settings.VAR_DIR) / "private"
        assert root.resolve() in target.parents
        assert Path(settings.MEDIA_ROOT).resolve() not in target.parents
        with pytest.raises(ValueError):
            uploads.path_of("../liudong.sqlite3")
        with pytest.raises(ValueError):
            uploads.store(checked, "../up")
    finally:
        uploads.remove(relative)


def test_a_request_takes_files_from_the_member_and_the_station(
    make_request: Any, asker: Any, staff: Any, demo: Any
) -> None:
    request = make_request(kind="legal_aid")
    mine = actions.attach(by=asker[0], request=request, upload=upload(image_bytes(), "伤情.png"))
    theirs = actions.attach(by=staff, request=request, upload=upload(PDF, "受理通知.pdf"))
    assert {mine.content_type, theirs.content_type} == {"image/png", "application/pdf"}
    assert uploads.path_of(mine.stored_as).exists()
    with pytest.raises(PermissionDenied):  # the home side sees the request, adds nothing
        actions.attach(by=demo("user:lingtai"), request=request, upload=upload(PDF, "x.pdf"))
    with pytest.raises(DomainError) as refused:
        actions.attach(by=asker[0], request=request, upload=upload(PDF, "x.png"))
    assert refused.value.code == "file_type_mismatch"
    assert request.attachments.count() == 2


def test_too_many_files_and_closed_requests_are_refused(
    make_request: Any, asker: Any, staff: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(attach_rules, "MAX_PER_REQUEST", 1)
    request = make_request()
    actions.attach(by=asker[0], request=request, upload=upload(PDF, "a.pdf"))
    with pytest.raises(DomainError) as refused:
        actions.attach(by=asker[0], request=request, upload=upload(PDF, "b.pdf"))
    assert refused.value.code == "too_many_files"
    closed = actions.refuse_request(
        by=staff, request=make_request(text="另一件事"), reason="不是本站"
    )
    with pytest.raises(DomainError) as refused:
        actions.attach(by=asker[0], request=closed, upload=upload(PDF, "c.pdf"))
    assert refused.value.code == "request_closed"


def test_the_file_url_is_refused_to_those_who_may_not_read_it(
    login: Any, make_request: Any, asker: Any
) -> None:
    request = make_request(kind="hardship")
    found = actions.attach(by=asker[0], request=request, upload=upload(image_bytes(), "a.png"))
    page_url = f"/requests/files/{found.pk}/"
    api_url = f"/api/v1/service-requests/{request.pk}/attachments/{found.pk}/"
    for who in ("station05", "jingchuan", asker[0].username):
        for url in (page_url, api_url):
            response = login(who).get(url)
            assert response.status_code == 200, (who, url)
            assert b"".join(response.streaming_content).startswith(b"\x89PNG")
            assert response["X-Content-Type-Options"] == "nosniff"
    # Another county, another station: not found. The home side without consent: not found.
    for who in ("jingning", "station06", "lingtai"):
        for url in (page_url, api_url):
            assert login(who).get(url).status_code == 404, (who, url)


def test_upload_through_the_api_and_the_pages(login: Any, make_request: Any, asker: Any) -> None:
    request = make_request(kind="employment")
    api = login("station05")
    ok = api.post(
        f"/api/v1/service-requests/{request.pk}/attachments/",
        {"file": upload(PDF, "简历.pdf", "application/pdf")},
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["content_type"] == "application/pdf"
    lying = api.post(
        f"/api/v1/service-requests/{request.pk}/attachments/",
        {"file": upload(image_bytes(), "简历.pdf", "application/pdf")},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert lying.status_code == 400 and lying.json()["code"] == "file_type_mismatch"
    page = login(asker[0].username).post(
        f"/m/requests/{request.pk}/attach/", {"file": upload(b"<script>", "x.jpg")}
    )
    assert page.status_code == 400
    assert RequestAttachment.objects.filter(request=request).count() == 1
    good = login(asker[0].username).post(
        f"/m/requests/{request.pk}/attach/", {"file": upload(image_bytes("JPEG"), "x.jpg")}
    )
    assert good.status_code == 302
    assert RequestAttachment.objects.filter(request=request).count() == 2
