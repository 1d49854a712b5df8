"""Uploaded census files at rest and their first checks, before openpyxl sees them.

Files hold personal data, so they are kept encrypted (AES-256-GCM in 1 MiB chunks, each
authenticated with its position, so chunks cannot be reordered or cut) under
``MEDIA_ROOT/census/`` and decrypted into a private temporary file only while a job reads
them. The checks refuse what openpyxl would choke on or what would exhaust memory: not a
zip at all, an encrypted (password-protected) workbook, an old .xls, a damaged zip, and a
zip bomb (declared uncompressed size or compression ratio over the limits).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import struct
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.translation import gettext as _

from liudong.core import crypto
from liudong.core.errors import DomainError

CHUNK = 1024 * 1024
MAGIC = b"LDCF1"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MAX_RATIO = 200  # a real worksheet compresses 5–20 times; bombs do thousands


def census_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "census"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _aes(purpose: str) -> AESGCM:
    return AESGCM(crypto.file_key(purpose))


class EncryptedWriter:
    """Write plaintext in any pieces; it lands encrypted, chunk by chunk, never whole."""

    def __init__(self, *, purpose: str) -> None:
        self.purpose = purpose
        self.name = f"{uuid.uuid4().hex}.{purpose}"
        self._aes = _aes(purpose)
        self._out = open(census_dir() / self.name, "wb")  # noqa: SIM115 — closed in close()
        self._out.write(MAGIC)
        self._buffer = bytearray()
        self._index = 0
        self.size = 0
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self._buffer += data
        self.size += len(data)
        self.digest.update(data)
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]

    def _emit(self, chunk: bytes, *, last: bool) -> None:
        nonce = os.urandom(12)
        aad = struct.pack(">Q?", self._index, last) + self.purpose.encode()
        body = self._aes.encrypt(nonce, chunk, aad)
        self._out.write(struct.pack(">I", len(body)) + nonce + body)
        self._index += 1

    def close(self) -> str:
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._out.close()
        return self.name

    def discard(self) -> None:
        self._out.close()
        delete(self.name)


def write_encrypted(source: IO[bytes], *, purpose: str = "upload") -> tuple[str, int, str]:
    """Encrypt ``source`` into a new file; returns (name, plaintext size, sha256)."""
    writer = EncryptedWriter(purpose=purpose)
    try:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            writer.write(chunk)
    except Exception:
        writer.discard()
        raise
    return writer.close(), writer.size, writer.digest.hexdigest()


def read_encrypted(name: str, *, purpose: str = "upload") -> Iterator[bytes]:
    """The plaintext chunks of a stored file; raises DomainError if missing or tampered."""
    path = census_dir() / name
    if not name or not path.exists():
        raise DomainError(
            "file_gone", _("The uploaded file is no longer kept: upload it again."), "file"
        )
    aes = _aes(purpose)
    with open(path, "rb") as stream:
        if stream.read(len(MAGIC)) != MAGIC:
            raise DomainError("file_damaged", _("The stored file is damaged."), "file")
        index = 0
        while True:
            head = stream.read(4)
            if len(head) < 4:
                raise DomainError("file_damaged", _("The stored file is damaged."), "file")
            (length,) = struct.unpack(">I", head)
            nonce, body = stream.read(12), stream.read(length)
            tail = stream.peek(1) if hasattr(stream, "peek") else b""
            last = not tail
            try:
                chunk = aes.decrypt(nonce, body, struct.pack(">Q?", index, last) + purpose.encode())
            except Exception as exc:  # InvalidTag: another key, or tampered with
                raise DomainError("file_damaged", _("The stored file is damaged."), "file") from exc
            yield chunk
            if last:
                return
            index += 1


@contextlib.contextmanager
def decrypted_copy(name: str, *, purpose: str = "upload") -> Iterator[Path]:
    """A private temporary plaintext copy for openpyxl (which needs a seekable file)."""
    handle, temp = tempfile.mkstemp(prefix="liudong-census-", suffix=".xlsx")
    try:
        os.chmod(temp, 0o600)
        with os.fdopen(handle, "wb") as out:
            for chunk in read_encrypted(name, purpose=purpose):
                out.write(chunk)
        yield Path(temp)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def delete(name: str) -> None:
    if name:
        with contextlib.suppress(FileNotFoundError):
            (census_dir() / name).unlink()


# --- first checks -------------------------------------------------------------------------


def check_head(head: bytes) -> None:
    """Refuse by the first bytes: an encrypted or old workbook, or not a workbook at all."""
    if head.startswith(OLE_MAGIC):
        raise DomainError(
            "file_password_or_xls",
            _(
                "This file is password-protected, or an old .xls workbook. Remove the "
                "password (or save it as .xlsx) and upload it again."
            ),
            "file",
        )
    if not head:
        raise DomainError("file_empty", _("The file is empty."), "file")
    if not head.startswith(ZIP_MAGIC):
        raise DomainError(
            "file_not_xlsx",
            _("This is not an Excel .xlsx file. Use the template downloaded from this page."),
            "file",
        )


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_rows() -> int:
    return _limit("LIUDONG_CENSUS_MAX_ROWS", 200_000)


def check_zip(path: Path) -> dict[str, Any]:
    """Open the zip container and refuse damage and bombs before any XML is parsed.

    Returns facts for the reader: the worksheet parts and their merged cell ranges.
    """
    limit = _limit("LIUDONG_CENSUS_MAX_UNCOMPRESSED_BYTES", 500 * 1024 * 1024)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DomainError(
            "file_damaged",
            _("The file cannot be opened as an Excel workbook: it is damaged or incomplete."),
            "file",
        ) from exc
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names:
            raise DomainError(
                "file_not_xlsx",
                _("This is not an Excel .xlsx file. Use the template downloaded from this page."),
                "file",
            )
        total = sum(info.file_size for info in infos)
        packed = sum(info.compress_size for info in infos) or 1
        if total > limit or (total > 10 * 1024 * 1024 and total / packed > MAX_RATIO):
            raise DomainError(
                "file_too_big_unpacked",
                _(
                    "This workbook unpacks to %(size)d MB, more than the %(limit)d MB allowed. "
                    "Split it into several files."
                )
                % {"size": total // (1024 * 1024), "limit": limit // (1024 * 1024)},
                "file",
            )
        merged = {
            info.filename: _merged_ranges(archive, info.filename)
            for info in infos
            if info.filename.startswith("xl/worksheets/sheet")
        }
    return {"merged": merged}


_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)\"")


def _merged_ranges(archive: zipfile.ZipFile, part: str) -> list[str]:
    """Merged ranges of one sheet: a streaming scan, since read-only openpyxl ignores them."""
    found: list[str] = []
    tail = b""
    with archive.open(part) as stream:
        while True:
            block = stream.read(CHUNK)
            if not block:
                break
            data = tail + block
            found += [m.decode() for m in _MERGE.findall(data)]
            cut = data.rfind(b"<")
            tail = data[cut:] if cut >= len(data) - 200 else b""
            if tail:
                # Matches inside the tail are found again with the next block.
                found = found[: len(found) - len(_MERGE.findall(tail))]
    return found
