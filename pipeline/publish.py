"""Atomic publishing of the curated set, and the lock that keeps runs from interleaving.

``curated`` is a symbolic link to a complete version directory beside it
(``.curated.versions/<id>``). A run writes a new version, fsyncs it, and swaps the link
with one rename, so a reader (or a run killed with -9 at any moment) sees the previous
complete set or the new complete set, never a mix.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

KEEP_VERSIONS = 3

# Lock files this process holds. flock belongs to the open file, which a forked worker
# shares: a worker orphaned by a killed run would keep the lock. Children drop it at fork.
_held_lock_fds: set[int] = set()


def _drop_locks_in_child() -> None:
    if not _held_lock_fds:
        return
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        for fd in _held_lock_fds:
            os.dup2(null, fd)  # the fd stays valid for its file object, but no longer holds the lock
    finally:
        os.close(null)
    _held_lock_fds.clear()


os.register_at_fork(after_in_child=_drop_locks_in_child)


class RunLockedError(RuntimeError):
    """Another run holds the lock."""


class PublishError(RuntimeError):
    """The curated folder cannot be published to."""


def versions_dir(curated: Path) -> Path:
    return curated.parent / f".{curated.name}.versions"


def state_dir(curated: Path) -> Path:
    """Where the cache and the lock live: beside curated/, never inside a published version."""
    path = curated.parent / f".{curated.name}.state"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def run_lock(curated: Path) -> Iterator[None]:
    lock_path = state_dir(curated) / "run.lock"
    with open(lock_path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            raise RunLockedError(
                f"another dti run is already writing {curated} ({holder}); wait for it to finish and run again"
            ) from exc
        _held_lock_fds.add(fh.fileno())
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}")
            fh.flush()
            yield
        finally:
            _held_lock_fds.discard(fh.fileno())
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)


def new_version(curated: Path, run_id: str) -> Path:
    """A fresh staging folder; its name never collides with a complete version (which may be live)."""
    root = versions_dir(curated)
    root.mkdir(parents=True, exist_ok=True)
    n = 0
    while True:
        name = run_id if n == 0 else f"{run_id}-{n}"
        if not (root / name).exists() and not (root / f"{name}.partial").exists():
            break
        n += 1
    path = root / f"{name}.partial"
    path.mkdir()
    return path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _adopt_plain_folder(curated: Path) -> None:
    """A curated/ that is a real folder (first run, or made by hand) becomes a version."""
    if curated.is_symlink() or not curated.exists():
        return
    if not curated.is_dir():
        raise PublishError(f"{curated} exists and is not a folder; move it away and run again")
    target = versions_dir(curated) / f"adopted-{int(time.time())}"
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(curated, target)
    os.symlink(os.path.relpath(target, curated.parent), curated)


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Ctrl-C during the swap waits until it is done, so the link is never left half-swapped.

    Before the swap an interrupt keeps the current version; once the swap has begun the new
    complete version is finished, then the interrupt is raised (the run still exits 130).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def publish(curated: Path, staged: Path) -> Path:
    """Swap the curated link to the staged version in one rename; keep a few old versions."""
    with _interrupts_deferred():
        return _publish(curated, staged)


def _publish(curated: Path, staged: Path) -> Path:
    for child in staged.iterdir():
        with open(child, "rb") as fh:
            os.fsync(fh.fileno())
    final = staged.with_name(staged.name.removesuffix(".partial"))
    if final.exists():  # never delete a complete version here: it may be the one curated/ points to
        raise PublishError(f"{final} already exists; remove the stray version folder and run again")
    os.replace(staged, final)
    _fsync_dir(final.parent)
    _adopt_plain_folder(curated)
    _swap_link(curated, final)
    _prune(curated, keep=final)
    return final


def _prune(curated: Path, keep: Path) -> None:
    root = versions_dir(curated)
    current = (curated.parent / os.readlink(curated)).resolve() if curated.is_symlink() else None
    versions = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in versions:
        if old.name.endswith(".partial") and old != keep:
            shutil.rmtree(old, ignore_errors=True)
    complete = [p for p in versions if not p.name.endswith(".partial") and p.resolve() not in (current, keep.resolve())]
    for old in complete[: max(0, len(complete) - (KEEP_VERSIONS - 1))]:
        shutil.rmtree(old, ignore_errors=True)
    for stale in curated.parent.glob(f".{curated.name}.link-*"):  # left by a run killed mid-swap
        if stale.is_symlink():
            stale.unlink(missing_ok=True)


def read_run_json(curated: Path) -> dict | None:
    """The run summary a version was published with; None where there is none or it is unreadable."""
    path = curated / "run.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class UnknownVersionError(LookupError):
    """No kept version has that name."""


@dataclass
class VersionInfo:
    """One kept version of the curated set, as `dti versions` lists it."""

    version: str  # the folder name under .curated.versions/, what `dti rollback` takes
    content: str | None  # the digest of its Parquet files (run.json "version"); equal digests, equal bytes
    finished_at: str | None
    documents: int | None
    rows: int | None  # score rows
    exit: int | None  # the exit status its run ended with
    current: bool

    def as_dict(self) -> dict:
        return asdict(self)


def current_version(curated: Path) -> str | None:
    """The folder name curated/ points to, or None before the first run (or for a plain folder)."""
    if not curated.is_symlink():
        return None
    return Path(os.readlink(curated)).name


def list_versions(curated: Path) -> list[VersionInfo]:
    """Every complete kept version, oldest first (by the time its run finished, then name)."""
    root = versions_dir(curated)
    if not root.is_dir():
        return []
    live = current_version(curated)
    out = []
    for path in root.iterdir():
        if not path.is_dir() or path.name.endswith(".partial"):
            continue
        run = read_run_json(path) or {}
        docs = run.get("documents_by_status")
        out.append(
            VersionInfo(
                version=path.name,
                content=run.get("version"),
                finished_at=run.get("finished_at"),
                documents=sum(docs.values()) if isinstance(docs, dict) else None,
                rows=(run.get("rows") or {}).get("scores"),
                exit=run.get("exit"),
                current=path.name == live,
            )
        )
    return sorted(out, key=lambda v: (v.finished_at or "", v.version))


def rollback(curated: Path, version: str) -> Path:
    """Make a kept version current in one atomic swap of the link, under the run lock.

    The version's files are not touched, so curated/ becomes byte-identical to what that run
    published. A run started later compares itself against this version.
    """
    target = versions_dir(curated) / version
    if "/" in version or version.endswith(".partial") or version in ("", ".", "..") or not target.is_dir():
        known = ", ".join(v.version for v in list_versions(curated)) or "none"
        raise UnknownVersionError(
            f"there is no kept version {version!r} of {curated} (kept: {known}); see `dti versions`"
        )
    with run_lock(curated):
        _adopt_plain_folder(curated)
        _swap_link(curated, target)
    return target


def _swap_link(curated: Path, target: Path) -> None:
    tmp_link = curated.parent / f".{curated.name}.link-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(os.path.relpath(target, curated.parent), tmp_link)
    os.replace(tmp_link, curated)
    _fsync_dir(curated.parent)
