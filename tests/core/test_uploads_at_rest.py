"""Uploads are sealed at rest (decision 194): a request's attachments, an activity's photos
and thumbnails, a notice's files land in the private storage under the field key ring (a
marker of the content is nowhere in the stored bytes), every download answers the original
bytes with its type, name and length as before, a file kept in clear before this change is
still served, `liudong rotate-field-key` seals them again under the new key (and seals the
plain ones), and a damaged file is "not found" (logged), never a 500."""

from __future__ import annotations

import datetime
import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from liudong.config import new_field_key
from liudong.core import keyring, sealed, upload_keys, uploads
from liudong.core.models import AuditEvent

pytestmark = pytest.mark.django_db

MARKER = b"LIUDONG-AT-REST-MARKER-620822"
PDF = b"%PDF-1.4\n% " + MARKER + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png() -> bytes:
    """A PNG whose text chunk holds the marker (in clear in the file's bytes)."""
    info = PngInfo()
    info.add_text("Comment", MARKER.decode())
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 200)).save(out, format="PNG", pnginfo=info)
    data = out.getvalue()
    assert MARKER in data
    return data


@pytest.fixture
def storage(settings: Any, tmp_path: Path) -> Path:
    """A private storage of the test's own: the files other tests left are not counted."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    return tmp_path / "private"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def stored(relative: str) -> bytes:
    with uploads.private_storage().open(relative, "rb") as stream:
        return stream.read()


def assert_sealed(relative: str, plain: bytes, key_id: str | None = None) -> None:
    kept = stored(relative)
    assert kept[:5] in (sealed.MAGIC, sealed.MAGIC_KEYED)
    assert MARKER not in kept and plain[:64] not in kept and len(kept) > len(plain)
    with uploads.private_storage().open(relative, "rb") as stream:
        assert sealed.key_id_of(stream) == (key_id or "")


def assert_served(answer: Any, plain: bytes, content_type: str, name: str | None) -> None:
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == plain
    assert answer["Content-Type"] == content_type
    assert answer["Content-Length"] == str(len(plain))
    assert answer["Cache-Control"] == "private, no-store"
    if name is not None:
        assert name in answer["Content-Disposition"]


def unseal_in_place(relative: str, plain: bytes) -> None:
    """Make the kept file what a version before this change wrote: the bytes in clear."""
    target = uploads.path_of(relative)
    target.write_bytes(plain)


# --- the three apps -------------------------------------------------------------------------


@pytest.fixture
def attachment(storage: Path, demo: Any) -> Any:
    from liudong.assistance import actions
    from tests.stations.helpers import member_with_account, station

    user, _member, _flow = member_with_account(demo, county="620822", to="610113")
    request, _new = actions.submit_request(
        by=user, station=station(5), kind="hardship", description="工资被拖欠"
    )
    upload = SimpleUploadedFile("欠薪证明.pdf", PDF, content_type="application/pdf")
    found = actions.attach(by=user, request=request, upload=upload)
    return found, user


def test_a_request_attachment_is_sealed_and_downloads_as_it_came(
    attachment: Any, demo: Any
) -> None:
    found, asker = attachment
    assert_sealed(found.stored_as, PDF)
    page = reverse("assistance:attachment", args=[found.pk])
    assert_served(client_for(asker).get(page), PDF, "application/pdf", "pdf")
    api = f"/api/v1/service-requests/{found.request_id}/attachments/{found.pk}/"
    assert_served(client_for(demo("user:station05")).get(api), PDF, "application/pdf", "pdf")
    # The gate is unchanged: another county's administrator does not get it.
    assert client_for(demo("user:jingning")).get(page).status_code == 404
    # A file kept in clear by the version before is still served.
    unseal_in_place(found.stored_as, PDF)
    assert_served(client_for(asker).get(page), PDF, "application/pdf", "pdf")


def test_an_activity_photo_and_its_thumbnail_are_sealed_and_served(
    storage: Path, demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from liudong.activities import actions
    from tests.activities.helpers import at, planned, staff_of

    monkeypatch.setattr(timezone, "now", lambda: at(0))
    activity = planned(starts_in=10)
    monkeypatch.setattr(timezone, "now", lambda: at(70))
    data = png()
    upload = SimpleUploadedFile("会场.png", data, content_type="image/png")
    photo = actions.add_photo(by=staff_of(5), activity=activity, upload=upload)
    assert_sealed(photo.stored_as, data)
    thumb_kept = stored(photo.thumb_as)
    assert (
        thumb_kept[:5] in (sealed.MAGIC, sealed.MAGIC_KEYED)
        and b"\xff\xd8\xff" not in (thumb_kept[:16])
    )
    url = reverse("activities:photo", args=[photo.pk])
    staff = client_for(staff_of(5))
    assert_served(staff.get(url), data, "image/png", None)
    thumb = staff.get(url + "?size=thumb")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(b"".join(thumb.streaming_content))) as small:
        assert small.format == "JPEG" and max(small.size) <= 320
    assert client_for(staff_of(6)).get(url).status_code == 404  # the gate, as before
    unseal_in_place(photo.stored_as, data)
    assert_served(staff.get(url), data, "image/png", None)


def test_a_notice_file_is_sealed_and_downloads_as_it_came(storage: Path, demo: Any) -> None:
    from liudong.voice import actions
    from liudong.voice.models import NoticeAttachment

    today = timezone.localdate()
    lingtai = demo("user:lingtai")
    notice = actions.publish_notice(
        by=lingtai,
        publisher=demo("620822"),
        topic="schooling",
        title="随迁子女入学",
        body="凭居住证申请",
        audience="county",
        audience_county=demo("620822"),
        valid_from=today,
        valid_until=today + datetime.timedelta(days=30),
        files=[SimpleUploadedFile("入学指南.pdf", PDF, content_type="application/pdf")],
    )
    found = NoticeAttachment.objects.get(notice=notice)
    assert_sealed(found.stored_as, PDF)
    url = reverse("voice:notice_file", args=[found.pk])
    assert_served(client_for(lingtai).get(url), PDF, "application/pdf", "pdf")
    assert client_for(demo("user:jingchuan")).get(url).status_code == 404
    unseal_in_place(found.stored_as, PDF)
    assert_served(client_for(lingtai).get(url), PDF, "application/pdf", "pdf")


# --- damage ---------------------------------------------------------------------------------


def _cut(data: bytes) -> bytes:
    return data[:-7]


def _flipped(data: bytes) -> bytes:
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0x01
    return bytes(changed)


def _to_the_last_chunk_boundary(data: bytes) -> bytes:
    return data[: len(sealed.header()) + 4 + 12 + sealed.CHUNK + 16]


@pytest.mark.parametrize(
    "damage",
    [
        _cut,
        _flipped,
        lambda data: data[:3],  # the header cut
        lambda data: b"",
        lambda data: sealed.MAGIC_KEYED + bytes([5]) + b"nokey" + data[len(sealed.header()) :],
    ],
    ids=["cut", "flipped", "header-cut", "empty", "unknown-key"],
)
def test_a_damaged_file_is_not_found_and_logged_never_a_500(
    attachment: Any, damage: Any, caplog: pytest.LogCaptureFixture
) -> None:
    found, asker = attachment
    target = uploads.path_of(found.stored_as)
    target.write_bytes(damage(target.read_bytes()))
    with caplog.at_level(logging.ERROR, logger="liudong.uploads"):
        answer = client_for(asker).get(reverse("assistance:attachment", args=[found.pk]))
    assert answer.status_code == 404
    assert any("cannot be read" in r.getMessage() for r in caplog.records)
    with pytest.raises(sealed.Damaged):
        uploads.open_kept(found.stored_as)


def test_a_file_of_several_chunks_cut_at_a_chunk_end_is_refused(storage: Path) -> None:
    data = b"%PDF-1.4\n" + MARKER * (3 * sealed.CHUNK // len(MARKER))
    name = uploads.store(uploads.Checked(data, "pdf", "application/pdf", "a.pdf", ""), "t")
    with uploads.open_kept(name) as kept:
        assert kept.read() == data
        assert not hasattr(kept, "name")  # nothing can reach past it to the ciphertext
        with pytest.raises(OSError):
            kept.fileno()  # (gunicorn's sendfile would send the ciphertext)
    target = uploads.path_of(name)
    target.write_bytes(_to_the_last_chunk_boundary(target.read_bytes()))
    with pytest.raises(sealed.Damaged, match="chunk 0"):
        uploads.open_kept(name)


# --- key rotation ---------------------------------------------------------------------------


def _rotate(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("rotate_field_key", *args, "--grace", "0", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_rotation_seals_uploads_again_under_the_new_key(
    attachment: Any, settings: Any, demo: Any
) -> None:
    found, asker = attachment
    page = reverse("assistance:attachment", args=[found.pk])
    second = uploads.store(uploads.check(SimpleUploadedFile("b.png", png())), "assistance")
    plain_png = png()
    old_file = uploads.store(uploads.check(SimpleUploadedFile("c.png", plain_png)), "activities")
    unseal_in_place(old_file, plain_png)  # kept in clear by the version before
    assert upload_keys.count_keys() == {"": 2, upload_keys.PLAIN: 1}
    before = stored(found.stored_as)

    legacy = settings.LIUDONG_FIELD_KEY
    settings.LIUDONG_FIELD_KEY, settings.LIUDONG_FIELD_KEY_ID = new_field_key(), "k2"
    settings.LIUDONG_OLD_FIELD_KEYS = f"k1:{legacy}"
    settings.LIUDONG_INDEX_KEY = legacy  # the blind indexes stay where they are
    keyring.forget()
    # Both keys read while the rotation has not run: the old file under k1 too.
    assert_served(client_for(asker).get(page), PDF, "application/pdf", "pdf")
    check = _rotate("--check")
    assert check["old_files"] == 3
    done = _rotate()
    assert done["files"] == 3 and done["indexes_swapped"] == 0
    assert upload_keys.count_keys() == {"k2": 3}
    assert stored(found.stored_as) != before
    for name, plain in ((found.stored_as, PDF), (old_file, plain_png)):
        assert_sealed(name, plain, key_id="k2")
    event = AuditEvent.objects.filter(verb="keys.rotate").latest("pk")
    assert json.loads(event.detail)["files"] == done["files"]
    assert _rotate("--check")["old_files"] == 0

    # The old key gone, everything still reads: the files are under the new key only.
    settings.LIUDONG_OLD_FIELD_KEYS = ""
    assert_served(client_for(asker).get(page), PDF, "application/pdf", "pdf")
    for name in (second, old_file):
        with uploads.open_kept(name) as kept:
            assert kept.read()[:8] == b"\x89PNG\r\n\x1a\n"


def test_rotation_through_a_storage_without_local_paths(settings: Any, tmp_path: Path) -> None:
    """An S3-like store (here in memory): the file is written again under its name, and
    nothing lands on this machine's disk."""
    settings.MEDIA_ROOT = tmp_path / "media"  # where an in-memory storage's paths point
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    data = png()
    name = uploads.store(uploads.check(SimpleUploadedFile("d.png", data)), "voice")
    gone = uploads.store(uploads.check(SimpleUploadedFile("e.png", data)), "voice")
    legacy = settings.LIUDONG_FIELD_KEY
    settings.LIUDONG_FIELD_KEY, settings.LIUDONG_FIELD_KEY_ID = new_field_key(), "k3"
    settings.LIUDONG_OLD_FIELD_KEYS = f"k1:{legacy}"
    uploads.remove(gone)
    assert upload_keys.rotate_keys() == 1
    assert upload_keys.count_keys() == {"k3": 1} and not uploads.exists(gone)
    assert_sealed(name, data, key_id="k3")
    settings.LIUDONG_OLD_FIELD_KEYS = ""
    with uploads.open_kept(name) as kept:
        assert kept.read() == data
    assert not (tmp_path / "media").exists()
