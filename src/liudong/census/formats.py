"""What kind of file a county uploaded: .xlsx, .xls or .ods, told by its content and checked
against its name, before anything reads its cells.

Everything else is refused with a message that says what the file is and what to do: a
password-protected workbook, a macro-enabled .xlsm, an .xlsb, an OpenDocument file that is
not a spreadsheet, a web page or a CSV text saved under a spreadsheet's name, and a file
whose name and content disagree. The same checks run at upload (on the uploaded file) and
again before the dry run reads the stored copy.
"""

from __future__ import annotations

import contextlib
import datetime
import struct
import zipfile
from pathlib import PurePath
from typing import IO

from django.utils.translation import gettext as _

from liudong.core.errors import DomainError

# What opening a damaged zip raises: a zip "version" from damaged bytes is a
# NotImplementedError (found by tests/fuzz/test_census_files.py).
ZIP_ERRORS = (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError)

XLSX, XLS, ODS = "xlsx", "xls", "ods"
FORMATS = (XLSX, XLS, ODS)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
DAMAGED_ZIP = "zip"  # a zip that cannot be opened: refused as damaged by the container check
HEAD = 4096
FILEPASS = 0x002F  # BIFF: the workbook stream is encrypted (a password to open)
BOF = 0x0809


def _refuse(code: str, message: str) -> DomainError:
    return DomainError(code, message, "file")


def what_to_do() -> str:
    return _("Open it in Excel, WPS or LibreOffice and save it as .xlsx, .xls or .ods.")


def not_spreadsheet() -> DomainError:
    # Said on the web page and on the command line alike: no "this page".
    return _refuse(
        "file_not_xlsx",
        _(
            "This is not a spreadsheet file. Fill in the census template (.xlsx), or open the "
            "file in Excel, WPS or LibreOffice and save it as .xlsx, .xls or .ods, then submit "
            "it again."
        ),
    )


def password() -> DomainError:
    return _refuse(
        "file_password_or_xls",
        _(
            "This workbook is protected by a password, so it cannot be read. Open it in Excel "
            "or WPS, remove the password (File, Protect workbook, Encrypt with password: "
            "empty), save it and submit it again."
        ),
    )


def extension(file_name: str) -> str:
    return PurePath(file_name or "").suffix.lower().lstrip(".")


def identify(stream: IO[bytes], file_name: str) -> str:
    """The file's format (``xlsx``, ``xls`` or ``ods``) by its content; refuses every other
    file, and one whose name says another format. Reads only the head and the container's
    directory; leaves ``stream`` at its start."""
    stream.seek(0)
    head = stream.read(HEAD)
    stream.seek(0)
    if not head:
        raise _refuse("file_empty", _("The file is empty."))
    named = extension(file_name)
    if named == "xlsm":
        raise _macros()
    if named == "xlsb":
        raise _xlsb()
    if head.startswith(OLE_MAGIC):
        found = _ole(stream, head)
    elif head.startswith(ZIP_MAGIC):
        found = _zip(stream)
    else:
        raise _text_or_other(head, named)
    stream.seek(0)
    if found == DAMAGED_ZIP:
        return named if named in (XLSX, ODS) else XLSX
    if named in FORMATS and named != found:
        raise _refuse(
            "file_name_mismatch",
            _(
                "The file's name ends in .%(named)s but it is really an .%(found)s file. Open "
                "it in Excel, WPS or LibreOffice and save it again (Save as .xlsx), or rename "
                "it to end in .%(found)s, then submit it again."
            )
            % {"named": named, "found": found},
        )
    if named not in FORMATS:
        raise _refuse(
            "file_name_mismatch",
            _(
                "The file's name does not end in .xlsx, .xls or .ods (it is an .%(found)s "
                "file). Rename it to end in .%(found)s and submit it again."
            )
            % {"found": found},
        )
    return found


def _macros() -> DomainError:
    return _refuse(
        "file_macros",
        _(
            "This is a macro-enabled workbook (.xlsm); macros are not accepted. Open it in "
            "Excel or WPS and save it as an Excel workbook (.xlsx), then submit it again."
        ),
    )


def _xlsb() -> DomainError:
    return _refuse(
        "file_xlsb",
        _(
            "This is an Excel binary workbook (.xlsb), which is not accepted. Open it in "
            "Excel or WPS and save it as an Excel workbook (.xlsx), then submit it again."
        ),
    )


def _text_or_other(head: bytes, named: str) -> DomainError:
    if head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"{\\rtf", b"Rar!", b"7z")):
        return not_spreadsheet()
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\xfe\xff \t\r\n\x00").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head", b"<?xml")) or (
        text.startswith(b"<") and (b"<html" in text or b"<table" in text)
    ):
        return _refuse(
            "file_is_html",
            _(
                "This file is a web page (HTML or XML) saved under a spreadsheet's name, as "
                "some systems export. %(todo)s Then submit the saved copy."
            )
            % {"todo": what_to_do()},
        )
    if _looks_like_text(head):
        return _refuse(
            "file_is_text",
            _(
                "This file is plain text (such as CSV), not a spreadsheet, whatever its name "
                "says. %(todo)s Then submit the saved copy."
            )
            % {"todo": what_to_do()},
        )
    return not_spreadsheet()


def _looks_like_text(head: bytes) -> bool:
    for encoding in ("utf-8", "utf-16", "gb18030"):
        try:
            decoded = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        if decoded and all(ch.isprintable() or ch in "\t\r\n" for ch in decoded[:-1]):
            return True
    return False


def _ole(stream: IO[bytes], head: bytes) -> str:
    """An OLE compound file: an .xls, or a password-protected workbook of any kind."""
    import olefile

    try:
        ole = olefile.OleFileIO(stream)
    except Exception:  # not a valid compound file: judge by the directory names it holds
        data = head + stream.read(64 * 1024)
        if "EncryptionInfo".encode("utf-16-le") in data or b"E\x00n\x00c\x00r" in data:
            raise password() from None
        raise _damaged_ole() from None
    with contextlib.closing(ole):
        if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
            raise password()
        name = "Workbook" if ole.exists("Workbook") else "Book" if ole.exists("Book") else ""
        if not name:
            raise not_spreadsheet()  # a Word .doc, say
        if name == "Book":
            raise _refuse(
                "file_xls_old",
                _(
                    "This is a very old Excel workbook (Excel 95 or earlier). %(todo)s Then "
                    "submit the saved copy."
                )
                % {"todo": what_to_do()},
            )
        with ole.openstream(name) as workbook:
            if _biff_encrypted(workbook.read(64 * 1024)):
                raise password()
    return XLS


def _biff_encrypted(data: bytes) -> bool:
    """A FILEPASS record among the workbook globals (it comes before the first sheet)."""
    at = 0
    while at + 4 <= len(data):
        kind, size = struct.unpack_from("<HH", data, at)
        if kind == FILEPASS:
            return True
        if kind == BOF and at:
            return False
        at += 4 + size
    return False


def _damaged_ole() -> DomainError:
    return _refuse(
        "file_damaged",
        _(
            "The file is damaged: part of it cannot be read (it may have been cut short or "
            "changed on the way). %(todo)s Then submit the saved copy."
        )
        % {"todo": what_to_do()},
    )


def _zip(stream: IO[bytes]) -> str:
    """A zip: an .xlsx (refusing .xlsm and .xlsb), an .ods, or another zip."""
    try:
        archive = zipfile.ZipFile(stream)
    except ZIP_ERRORS:
        return DAMAGED_ZIP  # the container check that follows names the damage
    with archive:
        names = set(archive.namelist())
        if "mimetype" in names:
            try:
                mime = archive.read("mimetype")[:200].decode("ascii", "replace").strip()
            except Exception:  # noqa: BLE001 — a damaged part: the container check says so
                return DAMAGED_ZIP
            if mime == ODS_MIME:
                return ODS
            if mime.startswith("application/vnd.oasis.opendocument."):
                kind = mime.rsplit(".", 1)[-1]
                raise _refuse(
                    "file_ods_not_spreadsheet",
                    _(
                        "This is an OpenDocument %(kind)s file, not a spreadsheet. Put the "
                        "rows in the census template (.xlsx) or a LibreOffice Calc sheet "
                        "(.ods) and submit that."
                    )
                    % {"kind": kind},
                )
        if "xl/vbaProject.bin" in names or _content_types_say(archive, b"macroEnabled"):
            raise _macros()
        if "xl/workbook.bin" in names:
            raise _xlsb()
        if "xl/workbook.xml" in names:
            return XLSX
    raise not_spreadsheet()


def _content_types_say(archive: zipfile.ZipFile, word: bytes) -> bool:
    try:
        with archive.open("[Content_Types].xml") as part:
            return word in part.read(256 * 1024)
    except Exception:  # noqa: BLE001 — no such part, or damaged: the reader will say
        return False


EXCEL_EPOCH = datetime.datetime(1899, 12, 30)


def excel_date(serial: float) -> datetime.date:
    """The day of an Excel serial number (1900 date system, Excel's phantom 29 February
    1900 kept as openpyxl's ``from_excel`` keeps it; the time of day rounded to the
    millisecond first, as there). Written here so that reading a census file does not
    import openpyxl (and numpy with it)."""
    day, fraction = divmod(serial, 1)
    moment = datetime.timedelta(milliseconds=round(fraction * 86_400_000))
    if 0 < serial < 60:
        day += 1
    return (EXCEL_EPOCH + datetime.timedelta(days=day) + moment).date()
