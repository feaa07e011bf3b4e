"""Find the documents, and process each in its own worker with a time and memory limit.

A worker is a forked process that writes its result (rows, or a one-line error) to a
cache file keyed by the file's content hash and the pipeline fingerprint. A file that
hangs or exhausts a parser takes down only its worker; an unchanged file is never
extracted twice.
"""

from __future__ import annotations

import errno
import io
import logging
import multiprocessing as mp
import os
import pickle
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING

from extractors.parent_death import die_with_parent
from normalizers.knowledge import KnowledgeBundle, use_as_default
from pipeline import progress
from pipeline.discovery import (  # noqa: F401 - re-exported: the batch's view of raw/
    Found,
    RawFolderError,
    Skipped,
    check_raw_folder,
    discover,
    sha256_file,
    survey,
)
from pipeline.fingerprint import PIPELINE_VERSION, pipeline_fingerprint  # noqa: F401 - re-exported
from pipeline.run_settings import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S

if TYPE_CHECKING:
    from pipeline.document_result import DocumentResult

log = logging.getLogger("dti")


@dataclass
class Outcome:
    """What happened to one file: a result, or the reason it was quarantined."""

    found: Found
    result: DocumentResult | None
    error: str | None
    cached: bool
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()  # what the libraries printed while reading this file
    table_evidence: str | None = None  # for a file quarantined after its tables were judged


def cache_path(cache: Path, found: Found, fingerprint: str) -> Path:
    return cache / f"{found.sha256}-{fingerprint}.pkl"


def _inherited_address_space() -> int:
    """Bytes of address space this forked worker starts with (its parent's mappings), 0 if unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _limit_memory(memory_mb: int) -> None:
    """At most `memory_mb` more address space than the worker was forked with.

    A fork shares its parent's mappings; a long-lived parent (a notebook, a test session that
    already ran OCR) must not eat the document's allowance before it reads a page.
    """
    limit = _inherited_address_space() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


_MEMORY_SIGNS = (
    "cannot allocate memory",
    "failed to map segment",
    "out of memory",
    "insufficient memory",
    "bad_alloc",
    "memoryerror",
)


_CHECK_IT = "the file may be damaged or unusually large — check it, or raise"


def memory_message(memory_mb: int) -> str:
    return f"processing needed more than {memory_mb} MB of memory and was stopped; {_CHECK_IT} --memory-mb"


def timeout_message(timeout_s: float) -> str:
    return f"processing took longer than {timeout_s:g} s and was stopped; {_CHECK_IT} --timeout"


def _looks_like_memory(exc: BaseException) -> bool:
    """Under RLIMIT_AS an allocation failure surfaces as many exception types, not only MemoryError.

    A page-reading child that dies abruptly (BrokenProcessPool) inherited the limit: tesseract and
    OpenCV abort in C when an allocation fails, so the worker never sees a MemoryError of its own.
    """
    if isinstance(exc, MemoryError | BrokenProcessPool) or getattr(exc, "errno", None) == errno.ENOMEM:
        return True
    text = f"{type(exc).__name__}: {exc}".lower()
    return any(sign in text for sign in _MEMORY_SIGNS)


def _in_flight(entry: Path, kind: str) -> Path:
    """A file this process keeps beside a cache entry while it works on it: ``<entry>.<pid>.<kind>``.

    Its log, its scratch folder, the entry half written. Anything of that shape a run finds when
    it takes the cache's lock is a killed run's (:func:`_remove_leftovers`).
    """
    return entry.with_name(f"{entry.name}.{os.getpid()}.{kind}")


def _remove_leftovers(cache: Path) -> None:
    """What killed runs left in `cache` (SIGKILL runs no clean-up): every :func:`_in_flight` file and folder."""
    for stale in cache.glob("*.pkl.*.*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)


def log_path(out: Path) -> Path:
    """Where a worker's stderr goes: library warnings are re-emitted with the file's name."""
    return _in_flight(out, "log")


def scratch_path(log: Path) -> Path:
    """The worker's temporary folder (its TMPDIR), beside its log; removed by the run once the worker is gone.

    A worker killed on its time limit or by Ctrl-C runs no clean-up of its own; what it and
    LibreOffice left in a temporary folder of the system's would stay there for good. One a
    run killed itself left behind is removed by the next run (:func:`_remove_leftovers`).
    """
    return log.with_suffix(".scratch")  # <entry>.<pid>.scratch, an in-flight name too


def _remove_worker_files(log: Path) -> None:
    log.unlink(missing_ok=True)
    shutil.rmtree(scratch_path(log), ignore_errors=True)


_MAX_WARNINGS = 20


def read_warnings(log: Path) -> tuple[str, ...]:
    """The distinct lines a worker printed, in order, repeats counted ("... (x12)"); the log is removed."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ()
    finally:
        log.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    for line in text.splitlines():
        line = " ".join(line.split())
        if line and not line.startswith(("warnings.warn(", "Traceback")):
            counts[line[:300]] = counts.get(line[:300], 0) + 1
    lines = [f"{ln} (x{n})" if n > 1 else ln for ln, n in counts.items()]
    more = [f"... and {len(lines) - _MAX_WARNINGS} more"] if len(lines) > _MAX_WARNINGS else []
    return tuple(lines[:_MAX_WARNINGS] + more)


def _capture_stderr(log: Path) -> None:
    """The worker's (and its OCR helpers') stderr into a file: Python warnings, pdfminer's logging
    and C libraries alike, so nothing reaches the terminal without the file's name."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 2)
    os.close(fd)
    # the parent's sys.stderr may be no file at all (a test runner's buffer): write to fd 2 itself
    fd2 = open(2, "wb", closefd=False)  # noqa: SIM115 - stays open for the worker's whole life
    sys.stderr = io.TextIOWrapper(fd2, encoding="utf-8", errors="replace", line_buffering=True)
    root = logging.getLogger()
    for handler in list(root.handlers):  # handlers inherited from the parent write elsewhere
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


def _worker(
    path: str,
    doc_id: str,
    out: str,
    memory_mb: int,
    ocr_workers: int,
    parent_pid: int,
    log: str,
    pages=None,
    knowledge: KnowledgeBundle | None = None,
) -> None:
    os.setpgrp()  # its own process group, so a timeout kills OCR helpers too (the parent sets it as well)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # held off by the parent across the fork
    _capture_stderr(Path(log))
    tempfile.tempdir = os.environ["TMPDIR"] = str(scratch_path(Path(log)).absolute())  # LibreOffice needs it absolute
    # The parsers load here, not in the parent, when the parent forked before importing them
    # (one document: its reading overlaps the parent's loading of the publishing stack). Before
    # the memory limit: it bounds the document's reading, not the libraries' address space.
    from pipeline.process import DocumentError, process_file

    die_with_parent(parent_pid)
    _limit_memory(memory_mb)
    if pages is not None:
        progress.report_pages_to(pages.send)
    if knowledge is not None:
        use_as_default(knowledge)
    try:
        payload: tuple = ("ok", process_file(Path(path), doc_id, knowledge, ocr_workers=ocr_workers), {})
    except DocumentError as exc:
        payload = ("error", str(exc), {}, {"table_evidence": exc.table_evidence})
    except Exception as exc:
        if _looks_like_memory(exc):
            payload = ("error", memory_message(memory_mb), {"memory_mb": memory_mb})
        else:
            payload = (
                "error",
                f"the file could not be parsed ({type(exc).__name__}: {' '.join(str(exc).split())[:160]}); it may be damaged — get a fresh copy or report it",
                {},
            )
    sys.stderr.flush()
    extra = payload[3] if len(payload) > 3 else {}
    payload = (*payload[:3], extra | {"warnings": read_warnings(Path(log))})
    _store(Path(out), payload)


def _load(path: Path) -> tuple | None:
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None


def _reusable(payload: tuple, timeout_s: float, memory_mb: int, retry_quarantined: bool = False) -> bool:
    """A cached result is reused; a cached failure is retried on request or once its limit is raised.

    A failure from a limit records the limits it ran under (payload[2]); raising the one it hit
    gets the file a new attempt without anyone clearing the cache.
    """
    if payload[0] != "ok" and retry_quarantined:
        return False
    if len(payload) < 3:
        return True
    limits = payload[2]
    return timeout_s <= limits.get("timeout_s", float("inf")) and memory_mb <= limits.get("memory_mb", float("inf"))


def _drain_pages(conn, found: Found, on_page: Callable[[Found, int, int], None] | None) -> bool:
    """Pass on the page counts a worker reported; False once its pipe has ended.

    A worker killed mid-message only ends its own pipe.
    """
    try:
        while conn.poll():
            done, total = conn.recv()
            if on_page:
                on_page(found, done, total)
    except (EOFError, OSError, ValueError, TypeError, pickle.UnpicklingError):
        return False
    return True


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Ctrl-C waits until a worker just forked is in its own group and on the list of running ones.

    Raised between the fork and the bookkeeping, the interrupt would leave a worker the run
    cannot kill: its group does not exist until the child has run, and the run would wait for
    it to finish the document (and cache it) before exiting. The signal is delivered on exit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _start_in_own_group(proc: BaseProcess) -> int:
    """Start a worker and make it the leader of its own process group, from this side too.

    The child calls setpgrp itself, but only once it runs; a kill of the group in between
    would find no group. Both sides setting it is the usual race-free way.
    """
    proc.start()
    assert proc.pid is not None  # a started process has one
    try:
        os.setpgid(proc.pid, proc.pid)
    except (ProcessLookupError, PermissionError):  # gone already, or it got there first and exec'd
        pass
    return proc.pid


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def process_all(
    todo: list[Found],
    cache: Path,
    fingerprint: str,
    workers: int = 2,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
    on_done: Callable[[Outcome], None] | None = None,
    on_page: Callable[[Found, int, int], None] | None = None,
    retry_quarantined: bool = False,
    knowledge: KnowledgeBundle | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> dict[str, Outcome]:
    """Process files not in the cache, `workers` at a time; every file gets an Outcome.

    `on_page(found, pages_done, pages_total)` hears from a worker as it reads each page;
    `retry_quarantined` gives every file whose cached verdict is a failure a new attempt.
    `knowledge` is the run's validated bundle, handed to each (forked) worker as an argument.
    `meanwhile` is called once, in this process, as soon as the first workers are started
    (the caller's own loading overlaps their reading); what it raises is raised once every
    file has its Outcome, so a failing caller still leaves the cache complete.
    """
    cache.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(cache)  # a run holds the lock of its cache: no other process is working in it
    outcomes: dict[str, Outcome] = {}
    pending: list[Found] = []
    for found in todo:
        cached = _load(cache_path(cache, found, fingerprint))
        if cached is not None and _reusable(cached, timeout_s, memory_mb, retry_quarantined):
            outcomes[found.file_name] = _outcome(found, cached, cached=True)
            if on_done:
                on_done(outcomes[found.file_name])
        else:
            pending.append(found)
    ctx = mp.get_context("fork")
    running: dict[int, tuple[BaseProcess, Found, float, Connection, Path]] = {}
    ocr_workers = 1 if len(pending) > 1 else max(1, workers)
    if len(pending) > 1:
        import pipeline.process  # noqa: F401 - loaded once here and inherited by every worker
    queue = list(pending)
    failure: BaseException | None = None
    try:
        while queue or running or meanwhile:
            while queue and len(running) < max(1, workers):
                found = queue.pop(0)
                out = cache_path(cache, found, fingerprint)
                # Not daemonic: a worker may start its own OCR processes. It dies with this
                # process (PDEATHSIG) and is killed with its group on timeout.
                reader, writer = ctx.Pipe(duplex=False)
                log = log_path(out)
                scratch_path(log).mkdir(exist_ok=True)
                args = (
                    str(found.path),
                    found.doc_id,
                    str(out),
                    memory_mb,
                    ocr_workers,
                    os.getpid(),
                    str(log),
                    writer,
                    knowledge,
                )
                proc: BaseProcess = ctx.Process(target=_worker, args=args, daemon=False)
                with _interrupts_held():
                    pid = _start_in_own_group(proc)
                    running[pid] = (proc, found, time.monotonic(), reader, log)
                writer.close()  # the worker holds the only writing end: its death ends the pipe
            if meanwhile:
                call, meanwhile = meanwhile, None
                try:
                    call()
                except Exception as exc:  # raised below, once the workers are done
                    failure = exc
                continue
            # woken by a worker ending or reporting a page (not by polling), or at the nearest time
            # limit; at least once a second (a time limit of "inf" is no timeout for select)
            now = time.monotonic()
            nearest = min(started + timeout_s - now for _, _, started, _, _ in running.values())
            wait(
                [proc.sentinel for proc, *_ in running.values()]
                + [reader for _, _, _, reader, _ in running.values() if not reader.closed],
                timeout=min(1.0, max(0.0, nearest)),
            )
            for pid, (proc, found, started, reader, log) in list(running.items()):
                if not _drain_pages(reader, found, on_page):
                    reader.close()  # it can report no more pages: out of the wait, which it would wake at once
                elapsed = time.monotonic() - started
                if proc.is_alive() and elapsed <= timeout_s:
                    continue
                if proc.is_alive():
                    _kill_group(pid)
                    proc.join()
                    payload: tuple = (
                        "error",
                        timeout_message(timeout_s),
                        {"timeout_s": timeout_s},
                        {"warnings": read_warnings(log)},
                    )
                    _store(cache_path(cache, found, fingerprint), payload)
                else:
                    proc.join()
                    _kill_group(pid)  # OCR helpers left behind by a worker that crashed
                    stored = _load(cache_path(cache, found, fingerprint))
                    if stored is not None:
                        payload = stored
                    else:
                        if (
                            proc.exitcode == -signal.SIGKILL
                            or proc.exitcode == -signal.SIGSEGV
                            or proc.exitcode == -signal.SIGABRT
                        ):
                            payload = (
                                "error",
                                f"the worker processing this file was killed (signal {-proc.exitcode}), probably out of memory; {_CHECK_IT} --memory-mb",
                                {"memory_mb": memory_mb},
                            )
                        else:
                            payload = (
                                "error",
                                f"the worker processing this file died (exit code {proc.exitcode}) without a result; the file may be damaged — get a fresh copy or report it",
                                {"memory_mb": memory_mb},
                            )
                        payload = (*payload, {"warnings": read_warnings(log)})
                        _store(cache_path(cache, found, fingerprint), payload)
                _remove_worker_files(log)
                del running[pid]
                reader.close()
                outcomes[found.file_name] = _outcome(found, payload, cached=False, seconds=elapsed)
                if on_done:
                    on_done(outcomes[found.file_name])
    finally:
        for pid, (proc, _, _, reader, log) in running.items():  # an interrupted run leaves no workers behind
            _kill_group(pid)
            proc.join()
            reader.close()
            _remove_worker_files(log)
    if failure is not None:
        raise failure
    return outcomes


def _store(path: Path, payload: tuple) -> None:
    tmp = _in_flight(path, "tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def _outcome(found: Found, payload: tuple, cached: bool, seconds: float = 0.0) -> Outcome:
    """payload: (status, result or error, limits, extra) as the worker stored it."""
    status, value = payload[0], payload[1]
    extra = payload[3] if len(payload) > 3 else {}
    warnings = tuple(extra.get("warnings", ()))
    if status == "ok":
        return Outcome(found, value, None, cached, seconds, warnings)
    return Outcome(found, None, str(value), cached, seconds, warnings, extra.get("table_evidence"))
