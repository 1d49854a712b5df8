"""Files sealed at rest: the one format of every encrypted file the platform keeps (the
census's workbooks, staged rows and claims; the uploads of :mod:`liudong.core.uploads`).

AES-256-GCM in 1 MiB chunks under a key derived from the field key ring
(:func:`liudong.core.crypto.file_key`) for the file's *purpose*. The header names the key:
``LDCF2`` + one byte (the key id's length) + the key id, or ``LDCF1`` under the legacy key
without an id (decision 191). Then the chunks, each a 4-byte length, a 12-byte nonce and the
ciphertext with its tag; each chunk's associated data is its position, whether it is the
last, and the purpose. Chunks cannot be reordered, dropped or cut: a file cut short fails
the tag of the chunk that is then the last (decision 194).
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from liudong.core import crypto

CHUNK = 1024 * 1024
MAGIC = b"LDCF1"  # a file under the legacy key (no key id)
MAGIC_KEYED = b"LDCF2"  # then one byte: the key id's length, and the key id


class Damaged(ValueError):
    """A sealed file that cannot be opened: cut short, changed, or under a key that is not
    configured. The message names the reason (never the content)."""


def header() -> bytes:
    """The header of a file written now: under the ring's current key."""
    key_id = crypto.ring().current_id
    if not key_id:
        return MAGIC
    return MAGIC_KEYED + bytes([len(key_id)]) + key_id.encode()


def key_id_of(stream: IO[bytes]) -> str | None:
    """The key id of a sealed file's header ("" = the legacy key), read from the stream's
    start (left after the header), or None if the file is not sealed."""
    magic = stream.read(len(MAGIC))
    if magic == MAGIC:
        return ""
    if magic == MAGIC_KEYED:
        size = stream.read(1)
        return stream.read(size[0]).decode(errors="replace") if size else None
    return None


def readers(purpose: str, key_id: str) -> list[AESGCM]:
    """The ciphers that may open a file: its key's, or for a legacy file every key's."""
    try:
        if key_id:
            return [AESGCM(crypto.file_key(purpose, key_id))]
        return [AESGCM(key) for key in crypto.file_keys(purpose)]
    except crypto.DecryptionError:
        return []


def _aad(index: int, last: bool, purpose: str) -> bytes:
    return struct.pack(">Q?", index, last) + purpose.encode()


class Sealer:
    """Write plaintext in any pieces; it lands sealed, chunk by chunk, never whole, in
    ``out`` (by default a temporary file: ciphertext only)."""

    def __init__(self, *, purpose: str, out: IO[bytes] | None = None) -> None:
        self.purpose = purpose
        self._aes = AESGCM(crypto.file_key(purpose))
        if out is None:  # closed by the caller of finish(), or by discard()
            out = tempfile.TemporaryFile(prefix="liudong-sealed-")  # noqa: SIM115
        self._out: IO[bytes] = out
        self._out.write(header())
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
        body = self._aes.encrypt(nonce, chunk, _aad(self._index, last, self.purpose))
        self._out.write(struct.pack(">I", len(body)) + nonce + body)
        self._index += 1

    def finish(self) -> IO[bytes]:
        """The ciphertext, complete, at its start (the caller closes it)."""
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._out.seek(0)
        return self._out

    def discard(self) -> None:
        self._out.close()


def seal(data: bytes, *, purpose: str) -> bytes:
    """``data`` sealed, in memory (for files bounded by an upload limit)."""
    sealer = Sealer(purpose=purpose, out=io.BytesIO())
    sealer.write(data)
    return sealer.finish().read()


def chunks_after_header(stream: IO[bytes], purpose: str, key_id: str) -> Iterator[bytes]:
    """The plaintext chunks of a sealed stream whose header (naming ``key_id``) was read;
    raises :class:`Damaged` at the first chunk that does not open."""
    ciphers = readers(purpose, key_id)
    if not ciphers:
        raise Damaged(f"sealed under key {key_id!r}, which is not configured")
    head = stream.read(4)
    index = 0
    while True:
        if len(head) < 4:
            raise Damaged(f"cut short before chunk {index}")
        (length,) = struct.unpack(">I", head)
        nonce, body = stream.read(12), stream.read(length)
        head = stream.read(4)  # the next chunk's, or nothing after the last one
        last = not head
        aad = _aad(index, last, purpose)
        chunk = None
        for aes in ciphers:
            try:
                chunk = aes.decrypt(nonce, body, aad)
            except Exception:  # InvalidTag: another key, or changed, or cut short
                continue
            ciphers = [aes]  # the key that opened the first chunk opens the rest
            break
        if chunk is None:
            raise Damaged(f"chunk {index} does not open: changed or cut short")
        yield chunk
        if last:
            return
        index += 1


def chunks(stream: IO[bytes], purpose: str) -> Iterator[bytes]:
    """The plaintext chunks of a sealed stream read from its start."""
    key_id = key_id_of(stream)
    if key_id is None:
        raise Damaged("not a sealed file")
    yield from chunks_after_header(stream, purpose, key_id)


def verify(stream: IO[bytes], purpose: str, key_id: str) -> int:
    """Open every chunk (after the header) without keeping it; the plaintext's size."""
    return sum(len(chunk) for chunk in chunks_after_header(stream, purpose, key_id))


class Opened(io.RawIOBase):
    """A sealed file read as its plaintext, a chunk in memory at a time. Not seekable and
    without a file number or name, so nothing (``sendfile``, a Content-Length taken from
    the disk) can reach past it to the ciphertext."""

    def __init__(self, stream: Any, plaintext: Iterator[bytes], size: int) -> None:
        super().__init__()
        self._stream = stream
        self._chunks = plaintext
        self._pending = b""
        self._at = 0
        self.size = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._at >= len(self._pending):
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending, self._at = chunk, 0
        n = min(len(buffer), len(self._pending) - self._at)
        buffer[:n] = self._pending[self._at : self._at + n]
        self._at += n
        return n

    def close(self) -> None:
        if not self.closed:
            self._stream.close()
        super().close()
