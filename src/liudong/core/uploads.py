"""Files people upload (a request's attachments, an activity's photos): checked and kept
privately.

:func:`check` reads the file's real type from its first bytes (magic numbers), never from
its name or the browser's word: a PNG named ``.pdf`` or a script named ``.jpg`` is refused,
and an image must also open and verify with Pillow. :func:`store` keeps the bytes in the
private storage (``settings.STORAGES["private"]``: by default ``VAR_DIR/private/<folder>/``
on disk, which no web server serves; an S3-compatible store shared by several web nodes where
the deployer says so), and a view that asked the scope gate first hands them out with
:func:`response`. The names kept are relative to that storage. Knows no domain app.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.http import FileResponse
from django.utils.translation import gettext as _

from liudong.core.errors import DomainError

MAX_BYTES = 10 * 1024 * 1024

# kind → (content type, extension, magic prefix)
JPEG = "jpeg"
PNG = "png"
PDF = "pdf"
KINDS: dict[str, tuple[str, str, bytes]] = {
    JPEG: ("image/jpeg", "jpg", b"\xff\xd8\xff"),
    PNG: ("image/png", "png", b"\x89PNG\r\n\x1a\n"),
    PDF: ("application/pdf", "pdf", b"%PDF-"),
}
IMAGES = (JPEG, PNG)
# What a name's extension claims, to refuse a file whose name lies about its content.
EXTENSIONS = {"jpg": JPEG, "jpeg": JPEG, "png": PNG, "pdf": PDF}


@dataclass(frozen=True)
class Checked:
    """A file that passed :func:`check`: its bytes, real kind and a safe display name."""

    data: bytes
    kind: str
    content_type: str
    name: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def sniff(head: bytes) -> str | None:
    """The kind the first bytes show, or None."""
    for kind, (_type, _ext, magic) in KINDS.items():
        if head.startswith(magic):
            return kind
    return None


def _read(upload: Any, max_bytes: int) -> bytes:
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    else:
        size = getattr(upload, "size", None)
        if size is not None and size > max_bytes:
            raise _too_large(max_bytes)
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    return data


def _too_large(max_bytes: int) -> DomainError:
    return DomainError(
        "file_too_large",
        _("The file is too large: at most %(mb)s MB.") % {"mb": f"{max_bytes / 1048576:g}"},
        "file",
    )


def safe_name(name: str, ext: str) -> str:
    """A display name without directories or control characters, ending in ``ext``."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    stem = base.rsplit(".", 1)[0].strip()[:80] or "file"
    return f"{stem}.{ext}"


def check(
    upload: Any,
    *,
    allowed: tuple[str, ...] = (JPEG, PNG, PDF),
    max_bytes: int = MAX_BYTES,
    name: str | None = None,
) -> Checked:
    """The upload's bytes and real kind, or a :class:`DomainError` (field ``file``) saying
    why not: empty, too large, a kind not allowed, a name claiming another kind than the
    content, or an image Pillow cannot verify."""
    data = _read(upload, max_bytes)
    if not data:
        raise DomainError("file_empty", _("The file is empty."), "file")
    name = name if name is not None else getattr(upload, "name", "") or ""
    kind = sniff(data[:16])
    if kind is None or kind not in allowed:
        allowed_names = ", ".join(KINDS[k][1].upper() for k in allowed)
        raise DomainError(
            "file_type",
            _("This kind of file is not accepted: send %(kinds)s.") % {"kinds": allowed_names},
            "file",
        )
    claimed = EXTENSIONS.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None
    if "." in name and claimed != kind:
        raise DomainError(
            "file_type_mismatch",
            _("The file's name says one type but its content is another: it was refused."),
            "file",
        )
    if kind in IMAGES:
        _verify_image(data, kind)
    content_type, ext, _magic = KINDS[kind]
    return Checked(
        data=data,
        kind=kind,
        content_type=content_type,
        name=safe_name(name, ext),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _verify_image(data: bytes, kind: str) -> None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != {"jpeg": "JPEG", "png": "PNG"}[kind]:
                raise ValueError(image.format)
            image.verify()
    except Exception as exc:  # Pillow raises many kinds for a broken file
        raise DomainError(
            "file_broken", _("The image could not be read: it may be damaged."), "file"
        ) from exc


PRIVATE = "private"  # the alias in settings.STORAGES


def private_storage() -> Storage:
    """Where uploaded files live (``settings.STORAGES["private"]``)."""
    return storages[PRIVATE]


def private_root() -> Path:
    """The private storage's folder on this machine (a file-system storage only)."""
    storage = private_storage()
    if not isinstance(storage, FileSystemStorage):
        raise NotImplementedError("the private storage is not on this machine's disk")
    return Path(storage.location)


def checked_name(relative: str) -> str:
    """``relative`` if it stays inside the storage (no absolute path, no ``..``)."""
    parts = (relative or "").replace("\\", "/").split("/")
    if not relative or relative.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError("outside the private root")
    return relative


def store(checked: Checked, folder: str) -> str:
    """Write the bytes to the private storage, in ``folder`` (letters, digits, ``_-/``);
    returns the relative name to keep (random: never the uploader's name)."""
    if not folder or any(part in ("", ".", "..") for part in folder.split("/")):
        raise ValueError("a plain relative folder")
    ext = KINDS[checked.kind][1]
    wanted = f"{folder}/{secrets.token_hex(16)}.{ext}"
    saved = private_storage().save(wanted, ContentFile(checked.data))
    if saved != wanted:  # a storage that renamed it: a random name taken (never seen)
        private_storage().delete(saved)
        raise FileExistsError(wanted)
    return saved


def exists(relative: str) -> bool:
    return private_storage().exists(checked_name(relative))


def path_of(relative: str) -> Path:
    """The kept file on this machine's disk (a file-system storage only); refuses a name that
    leaves the private root."""
    root = private_root().resolve()
    target = (root / checked_name(relative)).resolve()
    if root not in target.parents:
        raise ValueError("outside the private root")
    return target


def open_kept(relative: str) -> Any:
    """The kept file, open for reading in binary (from whichever storage holds it)."""
    return private_storage().open(checked_name(relative), "rb")


def remove(relative: str) -> None:
    with contextlib.suppress(FileNotFoundError, ValueError):
        private_storage().delete(checked_name(relative))


def response(relative: str, *, name: str, content_type: str) -> FileResponse:
    """The kept file for download; call it only after the scope gate said yes."""
    handle = open_kept(relative)  # FileResponse closes it
    reply = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=content_type not in ("image/jpeg", "image/png"),
        filename=name,
    )
    reply["X-Content-Type-Options"] = "nosniff"
    reply["Cache-Control"] = "private, no-store"
    return reply
