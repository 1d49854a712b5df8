"""Uploaded files and census files go through ``storages["private"]`` (issue 16, 7b): with
an in-memory storage configured nothing lands on this machine's disk, and the app still
stores, serves, reads back and purges them. A deployer's S3-compatible store is configured
the same way (docs/operations.md)."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import InMemoryStorage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from liudong.census import files
from liudong.core import sealed, uploads
from liudong.core.errors import DomainError

IN_MEMORY = {"BACKEND": "django.core.files.storage.InMemoryStorage"}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _disk_files(root: Path) -> set[str]:
    return (
        {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
        if root.exists()
        else set()
    )


@pytest.fixture
def in_memory(settings: Any, tmp_path: Path) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"  # the old census folder: must stay empty too
    settings.STORAGES = {**settings.STORAGES, "private": IN_MEMORY}
    storage = storages["private"]
    assert isinstance(storage, InMemoryStorage)
    return storage


def test_uploads_are_kept_served_and_removed_through_the_configured_storage(
    in_memory: Any, settings: Any
) -> None:
    disk = Path(settings.VAR_DIR) / "private"
    before = _disk_files(disk)
    data = _png()
    name = uploads.store(uploads.check(SimpleUploadedFile("a.png", data)), "assistance")
    assert in_memory.exists(name) and in_memory.open(name).read()[:5] == sealed.header()[:5]
    with uploads.open_kept(name) as kept:
        assert kept.read() == data
    assert _disk_files(disk) == before  # nothing written under VAR_DIR/private
    with pytest.raises(NotImplementedError):
        uploads.private_root()  # no local folder to hand out
    reply = uploads.response(name, name="a.png", content_type="image/png")
    assert b"".join(reply.streaming_content) == data
    with pytest.raises(ValueError):
        uploads.open_kept("../secrets.json")
    uploads.remove(name)
    assert not in_memory.exists(name)


def test_census_files_are_encrypted_into_the_storage_read_back_and_purged(
    in_memory: Any, tmp_path: Path
) -> None:
    plain = os.urandom(100) + b"\xe7\x8e\x8b\xe5\xbb\xba\xe5\x9b\xbd 13900001234" * 60_000
    name, size, _digest = files.write_encrypted(io.BytesIO(plain))
    assert size == len(plain) > files.CHUNK  # more than one chunk
    kept = in_memory.open(f"census/{name}").read()
    assert kept.startswith(sealed.MAGIC) and b"13900001234" not in kept
    assert b"".join(files.read_encrypted(name)) == plain
    assert not (tmp_path / "media").exists()
    assert [n for n, _t in files.stored_names()] == [name]
    with files.decrypted_copy(name) as copy:
        assert copy.read_bytes() == plain
    files.delete(name)
    assert not in_memory.exists(f"census/{name}")
    with pytest.raises(DomainError) as gone:
        list(files.read_encrypted(name))
    assert gone.value.code == "file_gone"


def test_a_census_file_kept_before_the_storage_is_still_read(
    settings: Any, tmp_path: Path, in_memory: Any
) -> None:
    plain = b"kept in MEDIA_ROOT/census before issue 16"
    name, _size, _digest = files.write_encrypted(io.BytesIO(plain))
    legacy = Path(settings.MEDIA_ROOT) / "census"
    legacy.mkdir(parents=True)
    (legacy / name).write_bytes(in_memory.open(f"census/{name}").read())
    in_memory.delete(f"census/{name}")
    assert b"".join(files.read_encrypted(name)) == plain
    assert [n for n, _t in files.stored_names()] == [name]
    files.delete(name)
    assert not (legacy / name).exists()
