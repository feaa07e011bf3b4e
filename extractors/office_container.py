"""What an Office file is, from its bytes, and whether it is safe to open.

The kind is sniffed from content, never the name: a ZIP is a Word or Excel file by its
``[Content_Types].xml``, an OLE compound file (``\\xd0\\xcf\\x11\\xe0``) is an old .doc or .xls
by its stream names. Before python-docx or openpyxl inflate anything, the package is checked:
every part's declared and actual uncompressed size against a limit (zip bombs), its CRC
(truncation), and no XML part may declare a DTD or entities (Office never writes one; an
external entity is how XXE reads local files). python-docx's lxml parser does not resolve
entities and openpyxl parses through defusedxml, so this check is a second wall, not the only one.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

import olefile
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_PART_BYTES = 64 * 1024 * 1024  # one XML part inflated; ranking annexes are well under 1 MB
MAX_PACKAGE_BYTES = 256 * 1024 * 1024  # all parts together
MAX_PARTS = 5000
_CHUNK = 1 << 20

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


class OfficeFileError(ValueError):
    """An Office file that cannot be read; the message is one line for a data officer."""


class DamagedOfficeFileError(OfficeFileError):
    pass


class EncryptedOfficeFileError(OfficeFileError):
    pass


class HostileOfficeFileError(OfficeFileError):
    """A package built to harm its reader: a zip bomb or XML with a DTD/entities."""


class NotAnOfficeDocumentError(OfficeFileError):
    """A ZIP or OLE file that holds no Word document or Excel workbook."""


_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.ms-word.document.macroenabled.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": "docx",
    "application/vnd.ms-word.template.macroenabledtemplate.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": "xlsx",
    "application/vnd.ms-excel.template.macroenabled.main+xml": "xlsx",
}
_OTHER_ZIPS = (
    ("presentationml", "a PowerPoint presentation, not a decision; save the decision itself (Word, Excel or PDF)"),
    ("ms-excel.sheet.binary", "an Excel binary workbook (.xlsb); open it in Excel and save it as .xlsx"),
)
_WHAT = {"docx": "Word", "xlsx": "Excel"}


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error) as exc:
        detail = " ".join(str(exc).split())[:80] or type(exc).__name__
        raise DamagedOfficeFileError(
            f"the file is a ZIP package (Word/Excel) that is damaged or truncated ({detail}); get a fresh copy"
        ) from exc


def _read_part(archive: zipfile.ZipFile, name: str, limit: int = MAX_PART_BYTES) -> bytes:
    try:
        data = archive.read(name) if archive.getinfo(name).file_size <= limit else b""
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        ValueError,
        EOFError,
        KeyError,
        struct.error,
        NotImplementedError,
    ) as exc:
        raise DamagedOfficeFileError(
            f"the ZIP package is damaged: its part {name} cannot be read; get a fresh copy"
        ) from exc
    return data


def _zip_kind(path: Path) -> str:
    with _open_zip(path) as archive:
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names:
            if "mimetype" in names and b"opendocument" in _read_part(archive, "mimetype", 200):
                raise NotAnOfficeDocumentError(
                    "the file is an OpenDocument (LibreOffice) file; save it as .docx or .xlsx"
                )
            raise NotAnOfficeDocumentError(
                "the file is a ZIP archive that holds no Word or Excel document; "
                "unpack it and put the documents in raw/"
            )
        data = _read_part(archive, "[Content_Types].xml", 4 * 1024 * 1024)
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise HostileOfficeFileError(_dtd_message("Office", "[Content_Types].xml")) from exc
    except SyntaxError as exc:  # ElementTree.ParseError
        raise DamagedOfficeFileError("the Office file's [Content_Types].xml is damaged; get a fresh copy") from exc
    types = [el.get("ContentType", "").lower() for el in root]
    for content_type in types:
        if content_type in _MAIN_TYPES:
            return _MAIN_TYPES[content_type]
    for marker, message in _OTHER_ZIPS:
        if any(marker in t for t in types):
            raise NotAnOfficeDocumentError(f"the file is {message}")
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    raise NotAnOfficeDocumentError(
        "the file is an Office package that is neither a Word document nor an Excel workbook"
    )


def _word_encrypted(ole: olefile.OleFileIO) -> bool:
    """FibBase.fEncrypted (bit 8 of the flags at offset 10 of the WordDocument stream)."""
    head = ole.openstream("WordDocument").read(12)
    return len(head) == 12 and bool(struct.unpack_from("<H", head, 10)[0] & 0x0100)


def _ole_kind(path: Path) -> str:
    try:
        ole = olefile.OleFileIO(str(path))
    except (OSError, ValueError, struct.error, IndexError) as exc:
        detail = " ".join(str(exc).split())[:80] or type(exc).__name__
        raise DamagedOfficeFileError(
            f"the file is an old Office (OLE) file that is damaged or truncated ({detail}); get a fresh copy"
        ) from exc
    with ole:
        streams = {"/".join(entry).lower() for entry in ole.listdir()}
        if {"encryptedpackage", "encryptioninfo"} & streams:
            raise EncryptedOfficeFileError(
                "the Office file is password-protected (encrypted); ask the sender for an unprotected copy"
            )
        if "worddocument" in streams:
            try:
                encrypted = _word_encrypted(ole)
            except (OSError, ValueError, struct.error) as exc:
                raise DamagedOfficeFileError("the old Word (.doc) file is damaged; get a fresh copy") from exc
            if encrypted:
                raise EncryptedOfficeFileError(
                    "the Word (.doc) file is password-protected; ask the sender for an unprotected copy"
                )
            return "doc"
        if "workbook" in streams or "book" in streams:
            return "xls"
        if "powerpoint document" in streams:
            raise NotAnOfficeDocumentError(
                "the file is an old PowerPoint presentation, not a decision; save the decision itself"
            )
    raise NotAnOfficeDocumentError(
        "the file is an old Office (OLE) file that holds neither a Word document nor an Excel workbook"
    )


def office_kind(path: Path, head: bytes) -> str:
    """ "docx", "xlsx", "doc" or "xls" from the file's content (`head`: its first bytes)."""
    if head.startswith(ZIP_MAGIC):
        return _zip_kind(path)
    if head.startswith(OLE_MAGIC):
        return _ole_kind(path)
    raise NotAnOfficeDocumentError("the file is not an Office document")


def is_office(head: bytes) -> bool:
    return head.startswith(ZIP_MAGIC) or head.startswith(OLE_MAGIC)


def _dtd_message(what: str, part: str) -> str:
    return (
        f"the {what} file's XML part {part} declares a DTD or entities, which Office never writes "
        "(an XML external-entity attack); refused"
    )


_DTD_MARKS = tuple(m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-8", "utf-16-le", "utf-16-be"))


def check_package(path: Path, what: str) -> None:
    """Refuse a damaged, oversized or hostile OOXML package before any library inflates it.

    Sizes are checked as declared and again while inflating (a declared size can lie), and
    the CRC of every part is verified on the way; nothing is kept in memory but one chunk.
    """
    with _open_zip(path) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_PARTS:
            raise HostileOfficeFileError(
                f"the {what} file holds {len(infos)} parts (more than {MAX_PARTS}); refused as a zip bomb"
            )
        declared = sum(i.file_size for i in infos)
        big = next((i for i in infos if i.file_size > MAX_PART_BYTES), None)
        if big is not None or declared > MAX_PACKAGE_BYTES:
            name = big.filename if big is not None else "all parts together"
            raise HostileOfficeFileError(_bomb_message(what, name))
        total = 0
        for info in infos:
            if info.is_dir():
                continue
            size = 0
            try:
                with archive.open(info) as fh:
                    first = True
                    while chunk := fh.read(_CHUNK):
                        if (
                            first
                            and info.filename.lower().endswith((".xml", ".rels", ".vml"))
                            and any(m in chunk for m in _DTD_MARKS)
                        ):
                            raise HostileOfficeFileError(_dtd_message(what, info.filename))
                        first = False
                        size += len(chunk)
                        total += len(chunk)
                        if size > MAX_PART_BYTES or total > MAX_PACKAGE_BYTES:
                            raise HostileOfficeFileError(_bomb_message(what, info.filename))
            except OfficeFileError:
                raise
            except (
                zipfile.BadZipFile,
                zlib.error,
                OSError,
                EOFError,
                ValueError,
                struct.error,
                NotImplementedError,
            ) as exc:
                detail = " ".join(str(exc).split())[:80] or type(exc).__name__
                raise DamagedOfficeFileError(
                    f"the {what} file is damaged or truncated: its part {info.filename} cannot be read "
                    f"({detail}); get a fresh copy"
                ) from exc


def _bomb_message(what: str, part: str) -> str:
    return (
        f"the {what} file's {part} would inflate past {MAX_PART_BYTES // (1024 * 1024)} MB per part or "
        f"{MAX_PACKAGE_BYTES // (1024 * 1024)} MB in all (a zip bomb or an unusually large file); refused"
    )
