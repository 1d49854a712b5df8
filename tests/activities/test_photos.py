"""An activity's photos (decision 136): its organizer's staff add them once it started; size
and real type are checked (a file lying about its type is refused); they are kept outside
the served files and handed out only through the gate; every addition is audited."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from liudong.activities import actions
from liudong.activities.actions import photos as photo_rules
from liudong.activities.models import ActivityPhoto
from liudong.core import sealed, uploads
from liudong.core.errors import DomainError, PermissionDenied, ScopeError
from liudong.core.models import AuditEvent
from tests.activities.helpers import at, planned, staff_of


def image(fmt: str = "JPEG", size: tuple[int, int] = (800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def upload(data: bytes, name: str) -> Any:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


@pytest.fixture
def held(clock: Any, demo: Any) -> Any:
    """An activity of station 5's branch that started an hour ago."""
    activity = planned(starts_in=10)
    clock(at(70))
    return activity


def _refused(code: str, data: bytes, name: str, activity: Any, by: Any = None) -> None:
    before = (ActivityPhoto.objects.count(), _kept())
    with pytest.raises(DomainError) as refused:
        actions.add_photo(by=by or staff_of(5), activity=activity, upload=upload(data, name))
    assert refused.value.code == code
    assert (ActivityPhoto.objects.count(), _kept()) == before  # nothing kept


def _kept() -> int:
    folder = uploads.private_root() / photo_rules.FOLDER
    return len(list(folder.iterdir())) if folder.exists() else 0


def test_staff_add_a_photo_with_its_thumbnail_and_an_audit_row(held: Any) -> None:
    photo = actions.add_photo(by=staff_of(5), activity=held, upload=upload(image(), "会场.jpg"))
    assert (photo.content_type, photo.width, photo.height) == ("image/jpeg", 800, 600)
    original = uploads.path_of(photo.stored_as)
    thumb = uploads.path_of(photo.thumb_as)
    assert original.read_bytes()[:5] in (sealed.MAGIC, sealed.MAGIC_KEYED)  # sealed at rest
    with uploads.open_kept(photo.stored_as) as kept:
        assert kept.read()[:3] == b"\xff\xd8\xff"
    assert thumb.exists()
    with uploads.open_kept(photo.thumb_as) as kept, Image.open(kept) as small:
        assert max(small.size) <= 320
    assert str(settings.VAR_DIR) in str(original)  # the private root, not the static files
    assert AuditEvent.objects.filter(verb="activity.add_photo", object_id=str(photo.pk)).exists()


def test_a_png_is_kept_as_a_png(held: Any) -> None:
    photo = actions.add_photo(by=staff_of(5), activity=held, upload=upload(image("PNG"), "a.png"))
    assert photo.content_type == "image/png"


def test_too_large_wrong_type_and_lying_type_are_refused(held: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(photo_rules, "MAX_BYTES", 1000)
    _refused("file_too_large", image(), "big.jpg", held)
    monkeypatch.undo()
    _refused("file_type", b"%PDF-1.4\n%%EOF\n", "minutes.pdf", held)  # a PDF is no photo
    _refused("file_type", b"<script>alert(1)</script>", "photo.jpg", held)
    _refused("file_type_mismatch", image("PNG"), "photo.jpg", held)  # a PNG named .jpg
    _refused("file_broken", b"\xff\xd8\xff" + b"\x00" * 200, "broken.jpg", held)


def test_photos_wait_for_the_start(clock: Any, demo: Any) -> None:
    coming = planned(starts_in=24 * 60)
    _refused("photos_after_start", image(), "early.jpg", coming)


def test_staff_of_another_station_cannot_add_photos(held: Any, demo: Any) -> None:
    with pytest.raises((ScopeError, PermissionDenied)):
        actions.add_photo(by=staff_of(6), activity=held, upload=upload(image(), "x.jpg"))
    assert not ActivityPhoto.objects.filter(activity=held).exists()


def test_photos_are_served_only_through_the_gate(held: Any, demo: Any) -> None:
    photo = actions.add_photo(by=staff_of(5), activity=held, upload=upload(image(), "会场.jpg"))
    url = reverse("activities:photo", args=[photo.pk])
    own = Client()
    own.force_login(staff_of(5))
    full = own.get(url)
    assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
    assert full["Cache-Control"] == "private, no-store"
    assert b"".join(full.streaming_content)[:3] == b"\xff\xd8\xff"
    thumb = own.get(url + "?size=thumb")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    page = own.get(reverse("activities:detail", args=[held.pk]))
    assert f'data-photo="{photo.pk}"' in page.content.decode()
    # Out of scope: another county's staff and another station's staff get "not found".
    for outsider in (demo("user:jingning"), staff_of(6)):
        other = Client()
        other.force_login(outsider)
        assert other.get(url).status_code == 404
        assert other.get(url + "?size=thumb").status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302  # to sign in
    static = settings.STATIC_URL + photo.stored_as
    assert Client().get(static).status_code == 404


def test_the_page_adds_and_removes_photos(held: Any) -> None:
    staff = Client()
    staff.force_login(staff_of(5))
    url = reverse("activities:add_photos", args=[held.pk])
    files = [upload(image(), "1.jpg"), upload(image("PNG"), "2.png")]
    added = staff.post(url, {"file": files})
    assert added.status_code == 302
    assert ActivityPhoto.objects.filter(activity=held).count() == 2
    lying = staff.post(url, {"file": [upload(image("PNG"), "3.jpg")]}, follow=True)
    assert ActivityPhoto.objects.filter(activity=held).count() == 2
    assert "已拒收" in lying.content.decode()
    photo = ActivityPhoto.objects.filter(activity=held).first()
    files_of = (uploads.path_of(photo.stored_as), uploads.path_of(photo.thumb_as))
    removed = staff.post(reverse("activities:remove_photo", args=[photo.pk]))
    assert removed.status_code == 302
    assert not ActivityPhoto.objects.filter(pk=photo.pk).exists()
    assert AuditEvent.objects.filter(verb="activity.remove_photo").exists()
    del files_of  # removed on commit (the test's transaction never commits)
