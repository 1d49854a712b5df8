"""Files people upload (a request's attachments, an activity's photos and thumbnails, the
voice's notice and suggestion files): checked and kept privately, sealed.

:func:`check` reads the file's real type from its first bytes (magic numbers), never from
its name or the browser's word: a PNG named ``.pdf`` or a script named ``.jpg`` is refused,
and an image must also open and verify with Pillow. :func:`store` keeps the bytes sealed
(:mod:`liudong.core.sealed`, the census files' format, under the field key ring) in the
private storage (``settings.STORAGES["private"]``: by default ``VAR_DIR/private/<folder>/``
on disk, which no web server serves; an S3-compatible store shared by several web nodes where
the deployer says so), and a view that asked the scope gate first hands them out with
:func:`response`, which opens them again. A file kept before files were sealed (no header,
one of the kinds :func:`check` lets in) is read as it is (decision 194). The names kept
are relative to that storage. Knows no domain app.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.http import FileResponse
from django.utils.translation import gettext as _

from liudong.core import sealed
from liudong.core.errors import DomainError

log = logging.getLogger("liudong.uploads")

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


PURPOSE = "uploads"  # derives the files' key from the field key ring, and binds the chunks
# What store() names a file: 32 random hex digits and the kind's extension (never a census file).
KEPT_NAME = re.compile(r"^[0-9a-f]{32}\.(?:jpg|png|pdf)$")


def store(checked: Checked, folder: str) -> str:
    """Write the bytes sealed to the private storage, in ``folder`` (letters, digits, ``_-/``);
    returns the relative name to keep (random: never the uploader's name)."""
    if not folder or any(part in ("", ".", "..") for part in folder.split("/")):
        raise ValueError("a plain relative folder")
    ext = KINDS[checked.kind][1]
    wanted = f"{folder}/{secrets.token_hex(16)}.{ext}"
    ciphertext = sealed.seal(checked.data, purpose=PURPOSE)
    saved = private_storage().save(wanted, ContentFile(ciphertext))
    if saved != wanted:  # a storage that renamed it: a random name taken (never seen)
        private_storage().delete(saved)
        raise FileExistsError(wanted)
    return saved


def exists(relative: str) -> bool:
    return private_storage().exists(checked_name(relative))


def path_of(relative: str) -> Path:
    """The kept file on this machine's disk (a file-system storage only; sealed: read it with
    :func:`open_kept`); refuses a name that leaves the private root."""
    root = private_root().resolve()
    target = (root / checked_name(relative)).resolve()
    if root not in target.parents:
        raise ValueError("outside the private root")
    return target


def open_kept(relative: str) -> Any:
    """The kept file's plaintext, open for reading in binary (from whichever storage holds
    it): a sealed file is opened chunk by chunk after every chunk was checked, a file kept
    before files were sealed is read as it is. Raises FileNotFoundError if it is gone and
    :class:`~liudong.core.sealed.Damaged` (a ValueError, logged) if it cannot be read: cut
    short, changed, or under a key the ring does not hold."""
    handle = private_storage().open(checked_name(relative), "rb")
    try:
        return _plaintext(handle)
    except sealed.Damaged as exc:
        handle.close()
        log.error("kept file %s cannot be read: %s", relative, exc)
        raise
    except BaseException:
        handle.close()
        raise


def _plaintext(handle: Any) -> Any:
    key_id = sealed.key_id_of(handle)
    if key_id is None:  # kept before files were sealed: as it came, if it is one of ours
        handle.seek(0)
        if sniff(handle.read(16)) is None:
            raise sealed.Damaged("neither sealed nor a kind an upload may be")
        handle.seek(0)
        return handle
    start = handle.tell()
    size = sealed.verify(handle, PURPOSE, key_id)  # a damaged file fails here, not mid-reply
    handle.seek(start)
    return sealed.Opened(handle, sealed.chunks_after_header(handle, PURPOSE, key_id), size)


def remove(relative: str) -> None:
    with contextlib.suppress(FileNotFoundError, ValueError):
        private_storage().delete(checked_name(relative))


def response(relative: str, *, name: str, content_type: str) -> FileResponse:
    """The kept file for download; call it only after the scope gate said yes. A file gone
    raises FileNotFoundError, a damaged one ValueError: the views answer both "not found"."""
    handle = open_kept(relative)  # FileResponse closes it
    reply = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=content_type not in ("image/jpeg", "image/png"),
        filename=name,
    )
    if isinstance(handle, sealed.Opened):
        reply["Content-Length"] = str(handle.size)
    reply["X-Content-Type-Options"] = "nosniff"
    reply["Cache-Control"] = "private, no-store"
    return reply


# --- the whole storage: backups and the key rotation ---------------------------------------


def walk(folder: str = "") -> Iterator[str]:
    """Every file name of the private storage, folders first in name order."""
    yield from walk_storage(private_storage(), folder)


def walk_storage(storage: Storage, folder: str = "") -> Iterator[str]:
    try:
        dirs, names = storage.listdir(folder)
    except FileNotFoundError:
        return
    for directory in sorted(dirs):
        yield from walk_storage(storage, f"{folder}{directory}/")
    for name in sorted(names):
        yield f"{folder}{name}"


def kept_names() -> Iterator[str]:
    """The files :func:`store` wrote, wherever they lie (by the shape of their names)."""
    for name in walk():
        if KEPT_NAME.match(name.rsplit("/", 1)[-1]):
            yield name


def replace(relative: str, ciphertext: IO[bytes], *, must_exist: bool = True) -> bool:
    """Put ``ciphertext`` in the place of the kept file ``relative``: on a file-system storage
    by renaming over it (a reader that opened the old one reads it to the end); else by
    writing the same name again (an S3 store overwrites the object in one step). Unless
    ``must_exist`` is False: False, and nothing written, if the file is gone (deleted
    meanwhile: not brought back)."""
    storage = private_storage()
    key = checked_name(relative)
    there = storage.exists(key)
    if must_exist and not there:
        return False
    # Only a file-system storage renames (an in-memory one has paths it never writes to).
    target = Path(storage.path(key)) if isinstance(storage, FileSystemStorage) else None
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".rotating-")
        try:
            with os.fdopen(handle, "wb") as out:
                for block in iter(lambda: ciphertext.read(sealed.CHUNK), b""):
                    out.write(block)
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise
    else:
        if there:
            storage.delete(key)
        saved = storage.save(key, File(ciphertext))
        if saved != key:  # a storage that renamed it: another writer came between
            storage.delete(saved)
            raise FileExistsError(key)
    return True
