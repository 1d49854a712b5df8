"""Writing a backup archive and restoring one (see the package's notes)."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import hmac
import io
import json
import os
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import django
from django.conf import settings
from django.core.files import File

from liudong.core import crypto, uploads
from liudong.core.backup import database
from liudong.core.backup.checksums import differences
from liudong.core.backup.database import BackupError

FORMAT = "liudong-backup"
VERSION = 1
MANIFEST = "manifest.json"
FILES = "files/"
BLOCK = 1024 * 1024


def key_fingerprint() -> str:
    """Names the field key without revealing it: an HMAC of a fixed text under the key."""
    master = crypto._decode_master_key(settings.LIUDONG_FIELD_KEY)
    return hmac.new(master, b"liudong backup: field key fingerprint", "sha256").hexdigest()[:16]


walk = uploads.walk_storage  # every file name of a storage, folders first in name order


class _Hashing(io.RawIOBase):
    """Reads through to ``stream`` and hashes what passed."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.sha = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.sha.update(data)
        self.size += len(data)
        return data


def _sha256_file(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(BLOCK), b""):
            sha.update(block)
    return sha.hexdigest()


def _add(tar: tarfile.TarFile, name: str, stream: IO[bytes], size: int) -> dict[str, Any]:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(time.time())
    reader = _Hashing(stream)
    tar.addfile(info, reader)
    if reader.size != size:
        raise BackupError(f"{name} changed while it was read")
    return {"size": size, "sha256": reader.sha.hexdigest()}


@dataclass
class Summary:
    path: Path
    tables: int
    rows: int
    files: int
    bytes: int
    seconds: float
    notes: list[str] = field(default_factory=list)


def default_name(vendor: str) -> Path:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(settings.VAR_DIR) / "backups" / f"liudong-{vendor}-{stamp}.tar"


def make(alias: str, output: Path | None, *, with_files: bool = True) -> Summary:
    """Write the archive (through ``<output>.partial``, renamed when complete; mode 600)."""
    started = time.monotonic()
    vendor = database.vendor_of(alias)
    output = Path(output or default_name(vendor))
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="liudong-backup-") as work:
        dumped = database.dump(alias, Path(work))
        handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(handle, "wb") as out, tarfile.open(fileobj=out, mode="w") as tar:
                members = {}
                with open(dumped.path, "rb") as stream:
                    size = dumped.path.stat().st_size
                    members[dumped.path.name] = _add(tar, dumped.path.name, stream, size)
                files = _add_files(tar) if with_files else {}
                members.update({FILES + name: meta for name, meta in files.items()})
                manifest = _manifest(dumped, members, with_files=with_files)
                body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                _add(tar, MANIFEST, io.BytesIO(body), len(body))
            partial.replace(output)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
            raise
    return Summary(
        path=output,
        tables=len(dumped.sums),
        rows=sum(s.rows for s in dumped.sums.values()),
        files=len(files),
        bytes=output.stat().st_size,
        seconds=time.monotonic() - started,
    )


def _add_files(tar: tarfile.TarFile) -> dict[str, dict[str, Any]]:
    storage = uploads.private_storage()
    found = {}
    for name in walk(storage):
        with storage.open(name, "rb") as stream:
            found[name] = _add(tar, FILES + name, stream, storage.size(name))
    return found


def _manifest(dumped: database.Dumped, members: dict[str, Any], *, with_files: bool) -> dict:
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("liudong")
    except PackageNotFoundError:
        ours = "unknown"
    return {
        "format": FORMAT,
        "version": VERSION,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "liudong": ours,
        "django": django.get_version(),
        "database": {"vendor": dumped.vendor, "file": dumped.path.name, "server": dumped.server},
        "migrations": dumped.migrations,
        "tables": {name: value.as_json() for name, value in sorted(dumped.sums.items())},
        "files_included": with_files,
        "members": members,
        "field_key": {"fingerprint": key_fingerprint(), "kept": "apart, never in the archive"},
    }


# --- restore ------------------------------------------------------------------------------


def read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        stream = tar.extractfile(MANIFEST)
    except KeyError as exc:
        raise BackupError("not a liudong backup: it has no manifest.json") from exc
    manifest = json.load(stream) if stream else {}
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(
            f"not a liudong backup of version {VERSION}: "
            f"{manifest.get('format')!r} {manifest.get('version')!r}"
        )
    return manifest


def _copy_checked(tar: tarfile.TarFile, name: str, meta: dict, out: IO[bytes]) -> None:
    stream = tar.extractfile(name)
    if stream is None:
        raise BackupError(f"the archive is damaged: {name} is missing")
    sha = hashlib.sha256()
    size = 0
    for block in iter(lambda: stream.read(BLOCK), b""):
        sha.update(block)
        size += len(block)
        out.write(block)
    if size != meta["size"] or sha.hexdigest() != meta["sha256"]:
        raise BackupError(f"the archive is damaged: {name} does not match its checksum")


class _Discard(io.RawIOBase):
    def write(self, data: Any) -> int:
        return len(data)


def check(tar: tarfile.TarFile, manifest: dict[str, Any]) -> None:
    """Every member the manifest lists is there with its size and checksum (reads it all)."""
    names = set(tar.getnames()) - {MANIFEST}
    listed = set(manifest["members"])
    if names != listed:
        raise BackupError(
            f"the archive is damaged: members {sorted(names ^ listed)[:5]} differ from the manifest"
        )
    for name, meta in manifest["members"].items():
        if name.startswith(FILES):
            uploads.checked_name(name[len(FILES) :])
        _copy_checked(tar, name, meta, _Discard())


@dataclass
class Restored:
    tables: int
    rows: int
    files: int
    skipped_files: int
    seconds: float
    warnings: list[str] = field(default_factory=list)


def restore(
    archive: Path,
    alias: str,
    *,
    accept_other_key: bool = False,
    say: Callable[[str], None] = lambda line: None,
) -> Restored:
    """Check the archive, refuse a database that holds anything, restore the database and
    the files, and compare every table with the manifest."""
    started = time.monotonic()
    warnings = []
    with tarfile.open(archive, mode="r:") as tar:
        manifest = read_manifest(tar)
        vendor = database.vendor_of(alias)
        made_on = manifest["database"]["vendor"]
        if made_on != vendor:
            raise BackupError(f"the archive is of a {made_on} database; this one is {vendor}")
        if manifest["field_key"]["fingerprint"] != key_fingerprint():
            message = (
                "the archive was made under another field key (fingerprint "
                f"{manifest['field_key']['fingerprint']}, this configuration's "
                f"{key_fingerprint()}): set LIUDONG_FIELD_KEY to the key in use when it was "
                "made, or the ID numbers, phones, census files and uploaded files will not be "
                "readable"
            )
            if not accept_other_key:
                raise BackupError(message + " (--accept-other-key restores it anyway)")
            warnings.append(message)
        say("checking the archive's checksums")
        check(tar, manifest)
        held = database.objects_in(alias)
        if held:
            raise BackupError(
                f"the database is not empty ({held} tables, views or sequences): restore only "
                "into a new, empty database (createdb, or a new SQLite file), never over data"
            )
        storage = uploads.private_storage()
        files = {k[len(FILES) :]: v for k, v in manifest["members"].items() if k.startswith(FILES)}
        skipped = _clashes(storage, tar, files)
        say(f"restoring the database ({len(manifest['tables'])} tables)")
        dump_name = manifest["database"]["file"]
        with tempfile.TemporaryDirectory(prefix="liudong-restore-") as work:
            target = Path(work) / dump_name
            with open(target, "wb") as out:
                _copy_checked(tar, dump_name, manifest["members"][dump_name], out)
            sums = database.restore(alias, target)
        say(f"restoring {len(files) - len(skipped)} files")
        for name, meta in files.items():
            if name not in skipped:
                _restore_file(storage, tar, name, meta)
    wrong = differences(manifest["tables"], sums)
    if wrong:
        raise BackupError("restored, but tables differ from the archive: " + "; ".join(wrong))
    warnings += migration_notes(manifest["migrations"])
    return Restored(
        tables=len(sums),
        rows=sum(s.rows for s in sums.values()),
        files=len(files) - len(skipped),
        skipped_files=len(skipped),
        seconds=time.monotonic() - started,
        warnings=warnings,
    )


def _clashes(storage: Any, tar: tarfile.TarFile, files: dict[str, dict]) -> set[str]:
    """Files already in the storage: the same bytes are skipped, other bytes refused."""
    same = set()
    for name, meta in files.items():
        if not storage.exists(name):
            continue
        sha = hashlib.sha256()
        with storage.open(name, "rb") as stream:
            for block in iter(lambda s=stream: s.read(BLOCK), b""):
                sha.update(block)
        if sha.hexdigest() != meta["sha256"]:
            raise BackupError(
                f"the private storage already holds {name} with other content: restore into "
                "an empty storage (or move that file away first)"
            )
        same.add(name)
    return same


def _restore_file(storage: Any, tar: tarfile.TarFile, name: str, meta: dict) -> None:
    with tempfile.SpooledTemporaryFile(max_size=8 * BLOCK) as spool:
        _copy_checked(tar, FILES + name, meta, spool)
        spool.seek(0)
        saved = storage.save(name, File(spool, name=name))
    if saved != name:
        storage.delete(saved)
        raise BackupError(f"the storage would not keep {name} under its name")


def migration_notes(applied: list[str]) -> list[str]:
    """What the code's migrations say about the archive's."""
    from django.db.migrations.loader import MigrationLoader

    known = {f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations}
    missing = sorted(known - set(applied))
    unknown = sorted(set(applied) - known)
    notes = []
    if missing:
        notes.append(
            f"{len(missing)} migrations of this version are not applied in the archive "
            f"(first {missing[0]}): run `liudong migrate`"
        )
    if unknown:
        notes.append(
            f"the archive has {len(unknown)} migrations this version does not know "
            f"(first {unknown[0]}): it was made by a newer version; install that one"
        )
    return notes
