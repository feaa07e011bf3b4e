"""What raw/ holds: the files to read, by content hash, and every entry skipped with why.

Light on purpose (no parser is imported), so a no-change run and `dti status` can answer from
the hashes alone.
"""

from __future__ import annotations

import hashlib
import os
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Found:
    path: Path
    file_name: str  # relative to raw/, forward slashes
    sha256: str

    @property
    def doc_id(self) -> str:
        return self.sha256[:16]


@dataclass(frozen=True)
class Skipped:
    """An entry under raw/ that is not read, and why (reported in the run summary and the log)."""

    file_name: str
    reason: str


class RawFolderError(RuntimeError):
    """raw/ is missing, not a folder or unreadable: an error, never "every document removed"."""


def check_raw_folder(raw: Path) -> None:
    """Raise RawFolderError unless raw/ is a folder this process can list."""
    if not raw.exists() and not raw.is_symlink():
        raise RawFolderError(
            f"the raw folder {raw} does not exist (a mistyped path or an unmounted share?); "
            "create it and put decision files in it"
        )
    if not raw.is_dir():
        raise RawFolderError(
            f"{raw} is not a folder (or is a link to nothing); pass the folder holding the decision files"
        )
    try:
        with os.scandir(raw):
            pass
    except OSError as exc:
        raise RawFolderError(f"the raw folder {raw} cannot be read ({exc.strerror}); check its permissions") from exc


_SPECIAL = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _skip_reason(path: Path, rel: Path) -> str | None:
    """Why an entry under raw/ is not read, or None for a file to read (links to files are read)."""
    if any(part.startswith(".") for part in rel.parts):
        return "hidden (its name starts with a dot); rename it to include it"
    try:
        link = path.lstat()
    except OSError as exc:
        return f"cannot be inspected ({exc.strerror})"
    try:
        info = path.stat()
    except OSError:
        return "a symbolic link whose target does not exist (a dangling link)"
    if stat.S_ISDIR(info.st_mode):
        if stat.S_ISLNK(link.st_mode):
            return "a symbolic link to a folder; linked folders are not followed (they may loop or leave raw/)"
        return None
    for test, what in _SPECIAL:
        if test(info.st_mode):
            return f"not a regular file ({what})"
    if not os.access(path, os.R_OK):
        return "cannot be read (permission denied); check its permissions"
    return None


def survey(raw: Path) -> tuple[list[Found], list[Skipped]]:
    """Every regular file under raw/ sorted by path, and every entry skipped with its reason.

    File names are NFC (a name saved in decomposed Unicode by macOS reads the same as one typed
    on Windows); a second file whose name is the same after that is skipped, never merged.
    """
    found: list[Found] = []
    skipped: list[Skipped] = []
    names: dict[str, str] = {}

    def walk(folder: Path) -> None:
        try:
            entries = sorted(folder.iterdir())
        except OSError as exc:
            skipped.append(Skipped(_nfc(folder.relative_to(raw).as_posix()), f"folder cannot be read ({exc.strerror})"))
            return
        for path in entries:
            rel = path.relative_to(raw)
            name = _nfc(rel.as_posix())
            reason = _skip_reason(path, rel)
            if reason is None and path.is_dir():
                walk(path)
                continue
            if reason is None and name in names:
                reason = f"its name is the same as {names[name]!r} once Unicode is normalised (NFC); rename one of them"
            if reason is not None:
                skipped.append(Skipped(name, reason))
                continue
            try:
                digest = sha256_file(path)
            except OSError as exc:
                skipped.append(Skipped(name, f"cannot be read ({exc.strerror})"))
                continue
            names[name] = rel.as_posix()
            found.append(Found(path, name, digest))

    walk(raw)
    found.sort(key=lambda f: Path(f.file_name).parts)  # the order rglob gave before
    return found, skipped


def _nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


def discover(raw: Path) -> list[Found]:
    """Every file under raw/ that is read, sorted by path (see survey for what is skipped)."""
    return survey(raw)[0]
