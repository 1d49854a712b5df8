"""Uploaded census files at rest and their container checks, before any cell is read.

Files hold personal data, so they are kept sealed (:mod:`liudong.core.sealed`: AES-256-GCM
in 1 MiB chunks, each authenticated with its position, so chunks cannot be reordered or
cut; a header names the key) in the private storage (``settings.STORAGES["private"]``,
under ``census/``; files kept before it, in ``MEDIA_ROOT/census/``, are still read, deleted
and purged there) and decrypted into a private temporary file only while a job reads them.
The checks of the zip-based formats (.xlsx, .ods) refuse what would exhaust memory or
cannot be read: a damaged zip and a zip bomb (declared uncompressed size or compression
ratio over the limits); :mod:`liudong.census.formats` tells the formats apart.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files import File
from django.utils.translation import gettext as _

from liudong.census import formats
from liudong.census.formulas import Formulas, XlsxFinder
from liudong.core import sealed, uploads
from liudong.core.errors import DomainError

CHUNK = sealed.CHUNK
MAX_RATIO = 200  # a real worksheet compresses 5–20 times; bombs do thousands


FOLDER = "census"  # in the private storage


def census_dir() -> Path:
    """The census folder of the private storage on this machine's disk (a file-system
    storage only: tests and operators look there)."""
    folder = uploads.private_root() / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def legacy_path(name: str) -> Path:
    """Where a file kept before the private storage lies (``MEDIA_ROOT/census/``)."""
    return Path(settings.MEDIA_ROOT) / FOLDER / name


def stored_key(name: str) -> str:
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise ValueError("a plain file name")
    return f"{FOLDER}/{name}"


def stored_names() -> Iterator[tuple[str, float]]:
    """(name, modified as a Unix time) of every census file kept, in the storage and in
    the old folder."""
    storage = uploads.private_storage()
    with contextlib.suppress(FileNotFoundError):
        for name in storage.listdir(FOLDER)[1]:
            yield name, storage.get_modified_time(stored_key(name)).timestamp()
    legacy = Path(settings.MEDIA_ROOT) / FOLDER
    if legacy.is_dir():
        for path in legacy.iterdir():
            if path.is_file():
                yield path.name, path.stat().st_mtime


class EncryptedWriter(sealed.Sealer):
    """Write plaintext in any pieces; it lands sealed (:mod:`liudong.core.sealed`), chunk by
    chunk, never whole; :meth:`close` keeps it in the census folder under a new name."""

    def __init__(self, *, purpose: str) -> None:
        super().__init__(purpose=purpose)
        self.name = f"{uuid.uuid4().hex}.{purpose}"

    def close(self) -> str:
        out = self.finish()
        try:
            saved = uploads.private_storage().save(stored_key(self.name), File(out))
        finally:
            out.close()
        if saved != stored_key(self.name):  # a storage that renamed it: a random name taken
            uploads.private_storage().delete(saved)
            raise FileExistsError(self.name)
        return self.name


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


def open_stored(name: str) -> IO[bytes] | None:
    storage = uploads.private_storage()
    if name and "/" not in name and storage.exists(stored_key(name)):
        return storage.open(stored_key(name), "rb")
    if name and "/" not in name and legacy_path(name).is_file():
        return open(legacy_path(name), "rb")  # noqa: SIM115 — closed by the caller
    return None


def read_encrypted(name: str, *, purpose: str = "upload") -> Iterator[bytes]:
    """The plaintext chunks of a stored file; raises DomainError if missing or tampered."""
    stream = open_stored(name)
    if stream is None:
        raise DomainError(
            "file_gone", _("The uploaded file is no longer kept: upload it again."), "file"
        )
    with stream:
        try:
            yield from sealed.chunks(stream, purpose)
        except sealed.Damaged as exc:
            raise DomainError("file_damaged", _("The stored file is damaged."), "file") from exc


@contextlib.contextmanager
def decrypted_copy(name: str, *, purpose: str = "upload", suffix: str = ".xlsx") -> Iterator[Path]:
    """A private temporary plaintext copy for the readers (which need a seekable file; the
    suffix tells calamine the format)."""
    handle, temp = tempfile.mkstemp(prefix="liudong-census-", suffix=suffix)
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
    if name and "/" not in name:
        with contextlib.suppress(FileNotFoundError, ValueError):
            uploads.private_storage().delete(stored_key(name))
        with contextlib.suppress(FileNotFoundError):
            legacy_path(name).unlink()


# --- first checks -------------------------------------------------------------------------


def not_xlsx() -> DomainError:
    from liudong.census import formats

    return formats.not_spreadsheet()


def damaged() -> DomainError:
    """The one message for a file whose zip or XML cannot be read (cut short, bad checksums,
    sizes that lie): what happened and how to fix it."""
    return DomainError(
        "file_damaged",
        _(
            "The file is damaged: part of it cannot be read (it may have been cut short or "
            "changed on the way). Open it in Excel or WPS, save it again as .xlsx (Save as), "
            "and submit the saved copy."
        ),
        "file",
    )


# What reading a damaged zip part raises: bad checksums and sizes (BadZipFile), a deflate
# stream cut short (EOFError, zlib.error), XML cut in the middle (SyntaxError: lxml's and
# ElementTree's parse errors), and what openpyxl makes of garbage values (ValueError...).
READ_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    EOFError,
    zlib.error,
    SyntaxError,
    OSError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    NotImplementedError,  # a member under a compression method zipfile does not know
    RuntimeError,  # zipfile: a member marked encrypted ("password required")
)


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_rows() -> int:
    return _limit("LIUDONG_CENSUS_MAX_ROWS", 200_000)


def max_unpacked_bytes() -> int:
    return _limit("LIUDONG_CENSUS_MAX_UNCOMPRESSED_BYTES", 500 * 1024 * 1024)


def max_ratio() -> int:
    return _limit("LIUDONG_CENSUS_MAX_RATIO", MAX_RATIO)


RATIO_FLOOR = 10 * 1024 * 1024  # small files may pack tightly: the ratio rule starts here


def too_many_rows(limit: int) -> DomainError:
    return DomainError(
        "file_too_many_rows",
        _("This file has more than %(n)d data rows. Split it into several files.") % {"n": limit},
        "file",
    )


@dataclass
class SheetFacts:
    """What a streaming scan of one worksheet part finds: merged ranges (read-only openpyxl
    ignores them) and how many rows hold a value, so a file over the row limit is refused
    before any row is checked."""

    merged: list[str] = field(default_factory=list)
    rows_with_values: int = 0
    first_rows: list[int] = field(default_factory=list)  # numbers of the first such rows
    formulas: Formulas = field(default_factory=Formulas)  # cells holding an <f> element

    def rows_below(self, header_row: int) -> int:
        """Rows holding a value below the header row (an upper bound of the data rows: a
        row of spaces only counts here, not in the check)."""
        return self.rows_with_values - sum(1 for n in self.first_rows if n <= header_row)


@dataclass
class ZipFacts:
    sheets: dict[str, SheetFacts]  # worksheet part -> what its scan found
    parts: dict[str, str]  # sheet name -> worksheet part, in the workbook's order


def check_zip(path: Path) -> ZipFacts:
    """Open the zip container and refuse damage and bombs before any XML is parsed.

    Returns facts for the reader: each worksheet's part, merged ranges and row count.
    """
    try:
        archive = zipfile.ZipFile(path)
    except formats.ZIP_ERRORS as exc:
        raise damaged() from exc
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names:
            raise not_xlsx()
        check_size(infos)
        try:
            sheets = {
                info.filename: scan_sheet(archive, info.filename)
                for info in infos
                if info.filename.startswith("xl/worksheets/sheet")
            }
            return ZipFacts(sheets, sheet_parts(archive))
        except READ_ERRORS as exc:
            raise damaged() from exc


def check_size(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip bomb by the sizes the zip declares, naming the rule that refused it (a
    zip that lies about its sizes fails its checksums when read: :func:`damaged`)."""
    limit = max_unpacked_bytes()
    total = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    mb = 1024 * 1024
    if total > limit:
        raise DomainError(
            "file_too_big_unpacked",
            _(
                "This workbook unpacks to %(size)d MB, more than the %(limit)d MB allowed. "
                "Split it into several files."
            )
            % {"size": total // mb, "limit": limit // mb},
            "file",
        )
    ratio = total / packed
    if total > RATIO_FLOOR and ratio > max_ratio():
        raise DomainError(
            "file_packed_too_tightly",
            _(
                "This workbook unpacks to %(size)d MB from %(packed)d KB: %(ratio)d times its "
                "size, while a real workbook packs at most %(limit)d times (such files are "
                "refused as a safeguard). Open it in Excel or WPS, delete what is not data "
                "(pictures, empty formatted rows), save it again as .xlsx and submit it."
            )
            % {
                "size": total // mb,
                "packed": max(1, packed // 1024),
                "ratio": int(ratio),
                "limit": max_ratio(),
            },
            "file",
        )


_MERGE = re.compile(rb'mergeCell\s+ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
_ROOT = re.compile(rb"<(\w+:)?worksheet[\s>]")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
FIRST_ROWS = 20  # more than the rows the reader searches for the header
HEAD_BYTES = 1024 * 1024
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")
_ATTRIBUTE = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet part, from the workbook and its relationships (their first
    megabyte, read by pattern: no XML parser on an untrusted file before openpyxl's)."""
    with archive.open("xl/workbook.xml") as stream:
        book = stream.read(HEAD_BYTES)
    try:
        with archive.open("xl/_rels/workbook.xml.rels") as stream:
            rels = stream.read(HEAD_BYTES)
    except KeyError:
        return {}
    targets = {}
    for match in _RELATIONSHIP.finditer(rels):
        attributes = dict(_ATTRIBUTE.findall(match[1]))
        target = html.unescape(attributes.get(b"Target", b"").decode(errors="replace"))
        targets[attributes.get(b"Id")] = target[1:] if target.startswith("/") else f"xl/{target}"
    parts = {}
    for match in _SHEET.finditer(book):
        attributes = dict(_ATTRIBUTE.findall(match[1]))
        key = next((v for k, v in attributes.items() if k.endswith(b":id")), None)
        name = html.unescape(attributes.get(b"name", b"").decode(errors="replace"))
        if key in targets:
            parts[name] = targets[key]
    return parts


LONG_ROW = 4 * CHUNK  # an unfinished row longer than this is judged now and cut short


class _RowCounter:
    """Rows holding a value, from the sheet's bytes cut at each ``</row>`` (bytes methods
    only, no Python work per tag)."""

    def __init__(self, facts: SheetFacts) -> None:
        self.facts = facts
        self.prefix: bytes | None = None
        self.pending = b""  # the row not yet closed
        self.pending_value = False  # a value already seen in a long row's cut-off part
        self.number = 0

    def feed(self, block: bytes, *, last: bool) -> None:
        if self.prefix is None:
            root = _ROOT.search(block)
            self.prefix = root[1] or b"" if root else b""
            p = self.prefix
            self.open, self.close = b"<" + p + b"row", b"</" + p + b"row>"
            self.values = (b"<" + p + b"v>", b"<" + p + b"v ", b"<" + p + b"is>", b"<" + p + b"v/")
        pieces = (self.pending + block).split(self.close)
        self.pending = b"" if last else pieces.pop()
        for index, piece in enumerate(pieces):
            seen = self.pending_value and index == 0
            self._row(piece, seen)
        if pieces:
            self.pending_value = False
        if len(self.pending) > LONG_ROW:
            at = self.pending.rfind(self.open)
            self.pending_value = self.pending_value or (
                at != -1 and self._has_value(self.pending, at)
            )
            self.pending = (self.pending[at : at + 256] if at != -1 else b"") + self.pending[-16:]

    def _has_value(self, piece: bytes, at: int) -> bool:
        return any(piece.find(tag, at) != -1 for tag in self.values)

    def _row(self, piece: bytes, seen: bool) -> None:
        at = piece.rfind(self.open)  # the row's opening tag (empty rows before it: no values)
        if at == -1:
            return
        head = piece[at : at + 200]
        found = _ROW_NUMBER.search(head[: head.find(b">") + 1 or None])
        self.number = int(found[1]) if found else self.number + 1
        if seen or self._has_value(piece, at):
            self.facts.rows_with_values += 1
            if len(self.facts.first_rows) < FIRST_ROWS:
                self.facts.first_rows.append(self.number)


def scan_sheet(archive: zipfile.ZipFile, part: str) -> SheetFacts:
    """One streaming pass over a sheet's XML (no parsing, memory flat): merged ranges and the
    rows holding a value. Far cheaper than reading the rows with openpyxl."""
    facts = SheetFacts()
    rows = _RowCounter(facts)
    finder = XlsxFinder()
    facts.formulas = finder.found
    tail = b""
    with archive.open(part) as stream:
        while True:
            block = stream.read(CHUNK)
            rows.feed(block, last=not block)
            data = tail + block
            tail = b""
            cut = data.rfind(b"<")
            if block and cut != -1 and data.find(b">", cut) == -1:
                data, tail = data[:cut], data[cut:]  # an unfinished tag: with the next block
            facts.merged += [m.decode() for m in _MERGE.findall(data)]
            finder.feed(data)
            if not block:
                return facts
