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
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
    fh = open(lock_path, "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in (errno.EAGAIN, errno.EACCES):
            raise
        fh.seek(0)
        holder = fh.read().strip() or "unknown"
        fh.close()
        raise RunLockedError(f"another dti run is already writing {curated} ({holder}); wait for it to finish and run again") from exc
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
        fh.close()


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


def publish(curated: Path, staged: Path) -> Path:
    """Swap the curated link to the staged version in one rename; keep a few old versions."""
    for child in staged.iterdir():
        with open(child, "rb") as fh:
            os.fsync(fh.fileno())
    final = staged.with_name(staged.name.removesuffix(".partial"))
    if final.exists():  # never delete a complete version here: it may be the one curated/ points to
        raise PublishError(f"{final} already exists; remove the stray version folder and run again")
    os.replace(staged, final)
    _fsync_dir(final.parent)
    _adopt_plain_folder(curated)
    tmp_link = curated.parent / f".{curated.name}.link-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(os.path.relpath(final, curated.parent), tmp_link)
    os.replace(tmp_link, curated)
    _fsync_dir(curated.parent)
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
    path = curated / "run.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
